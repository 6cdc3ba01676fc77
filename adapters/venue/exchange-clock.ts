/** One measurement of this machine's clock against the exchange's. */
export interface ClockSample {
  readonly offsetMs: number;
  readonly roundTripMs: number;
}

export interface ExchangeClockOptions {
  /** Names the venue in the log. */
  readonly name: string;
  /** This machine's clock, as ccxt reads it (`milliseconds()`). */
  readonly local: () => number;
  /** The exchange's time now, read from its time endpoint. Throws when it cannot be read. */
  readonly serverTime: () => Promise<number>;
  /** Signs from now on the exchange's clock: ccxt's `nonce()` is `milliseconds() - options.timeDifference`. */
  readonly apply: (offsetMs: number) => void;
  /** Each measurement, for the health watch. */
  readonly onSample?: ((sample: ClockSample) => void) | undefined;
  /** How often the clock is measured again while the session runs. */
  readonly everyMs: number;
  readonly log: (line: string) => void;
}

/**
 * This machine's clock against an exchange's, as every venue session signs by it. Each exchange refuses a
 * request whose timestamp is off its own clock by more than its window (Binance's and Bybit's recvWindow,
 * a second ahead; OKX's 30 seconds), so a host whose clock drifts would have every order refused: the
 * offset is measured at the middle of a round trip to the exchange's time endpoint, at the start and every
 * `everyMs`, and at once when a request is refused for its timestamp (`retried`).
 */
export class ExchangeClock {
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ExchangeClockOptions) {}

  /** This machine's clock minus the exchange's, as last measured (ms). */
  get offsetMs(): number {
    return this.offset;
  }

  /** The exchange's clock, as this machine's corrected by the last measured offset. */
  now(): number {
    return this.o.local() - this.offset;
  }

  /** Measures the offset and signs by it from now. Throws what the time endpoint threw. */
  async sync(): Promise<number> {
    const sent = this.o.local();
    const server = await this.o.serverTime();
    const back = this.o.local();
    this.offset = Math.round((sent + back) / 2 - server);
    this.o.apply(this.offset);
    this.o.onSample?.({ offsetMs: this.offset, roundTripMs: back - sent });
    return this.offset;
  }

  /**
   * Measures it before anything is signed, then every `everyMs`. An exchange that cannot say its time now
   * will say so on the next call: the session signs on this machine's clock meanwhile, and says so.
   */
  async keep(): Promise<void> {
    try {
      await this.sync();
    } catch (e) {
      this.o.log(
        `${this.o.name}: the exchange's clock could not be read (${(e as Error).message}); signing on this machine's`,
      );
    }
    this.timer = setInterval(() => {
      this.sync().catch((e: unknown) =>
        this.o.log(`${this.o.name}: the exchange's clock could not be read (${(e as Error).message})`),
      );
    }, this.o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Runs a signed call; one the exchange refused for its timestamp (`refusedFor(e)` names its code; not
   * executed) is run once more after the clock is measured again: the host's clock jumped or drifted since
   * the last measurement. `closed`: a session closing retries nothing.
   */
  async retried<T>(
    call: () => Promise<T>,
    refusedFor: (e: unknown) => string | null,
    closed: () => boolean,
  ): Promise<T> {
    try {
      return await call();
    } catch (e) {
      const code = refusedFor(e);
      if (code === null || closed()) throw e;
      this.o.log(`${this.o.name}: a request's timestamp was refused (${code}); measuring the clock again`);
      try {
        await this.sync();
      } catch {
        throw e;
      }
      return call();
    }
  }
}
