import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { BarSeries } from '../../domain/market/bars.js';
import { type ActiveParameters, type PaperRun, type PaperRunStatus, PaperSession } from './session.js';

export interface FleetOptions {
  readonly strategies: readonly string[];
  readonly symbols: readonly string[];
  readonly from: string;
  readonly speed: number;
  readonly warmupDays?: number;
  readonly store: EventStore & EventLookup;
  readonly onAppended?: (events: readonly StoredEvent[]) => void;
  readonly log: (m: string) => void;
  /** The promoted parameter version each strategy trades; absent for a strategy: its schema defaults. */
  readonly parameters?: ReadonlyMap<string, ActiveParameters>;
  /** Builds each strategy's run; default: a PaperSession replaying the recorded data at `speed`. */
  readonly session?: (strategyId: string) => PaperRun;
}

/** Every built-in strategy paper-trading side by side, each in its own run and account. */
export class PaperFleet {
  private readonly sessions: PaperRun[] = [];
  private running: Promise<void>[] = [];

  constructor(private readonly opts: FleetOptions) {}

  /** Prepares each run and skips what the log already holds; a strategy that cannot run is reported and left out. */
  async prepare(): Promise<void> {
    for (const strategyId of this.opts.strategies) {
      const session =
        this.opts.session?.(strategyId) ??
        new PaperSession({
          strategyId,
          symbols: this.opts.symbols,
          from: this.opts.from,
          speed: this.opts.speed,
          ...(this.opts.warmupDays !== undefined ? { warmupDays: this.opts.warmupDays } : {}),
          ...(this.opts.parameters?.has(strategyId)
            ? { parameters: this.opts.parameters.get(strategyId)! }
            : {}),
          store: this.opts.store,
          log: this.opts.log,
          ...(this.opts.onAppended ? { onAppended: this.opts.onAppended } : {}),
        });
      try {
        await session.prepare();
        const skipped = await session.fastForward();
        if (skipped > 0)
          this.opts.log(`paper ${session.runId}: resumed after ${skipped} events already in the log`);
        this.sessions.push(session);
      } catch (err) {
        this.opts.log(
          `paper ${strategyId}: not started: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }

  start(signal: AbortSignal): void {
    this.running = this.sessions.map((s) => s.run(signal));
  }

  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }

  /** The runs that started, for the portfolio's bandit. */
  runs(): readonly PaperRun[] {
    return this.sessions;
  }

  status(): PaperRunStatus[] {
    return this.sessions.map((s) => s.status());
  }

  /** The mark of a symbol for an account: its own run's last close, else any run's. */
  mark(accountId: string, symbol: string): number | null {
    const own = this.sessions.find((s) => s.runId === accountId)?.mark(symbol);
    if (own != null) return own;
    for (const s of this.sessions) {
      const m = s.mark(symbol);
      if (m !== null) return m;
    }
    return null;
  }

  /** A live run's bars of a symbol at a timeframe (the longest any run holds), undefined when none has them. */
  bars(symbol: string, timeframe: string): BarSeries | undefined {
    let best: BarSeries | undefined;
    for (const s of this.sessions) {
      const b = s.bars?.(symbol, timeframe);
      if (b && (!best || b.openTime.length > best.openTime.length)) best = b;
    }
    return best;
  }

  /** Symbol → ms since the close of the newest bar any live run holds at `now`. */
  barAges(now: number): Map<string, number> {
    const newest = new Map<string, number>();
    for (const s of this.sessions)
      for (const [symbol, close] of s.lastBarCloses?.() ?? [])
        if (Number.isFinite(close)) newest.set(symbol, Math.max(newest.get(symbol) ?? close, close));
    return new Map([...newest].map(([symbol, close]) => [symbol, Math.max(0, now - close)]));
  }

  /** Where the runs' clocks are: the earliest, so no screen shows a bar some run has not reached. */
  now(): number | null {
    if (this.sessions.length === 0) return null;
    return Math.min(...this.sessions.map((s) => s.simTime));
  }
}
