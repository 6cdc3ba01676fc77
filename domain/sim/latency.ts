import { Rng } from '../optimizer/rng.js';

/** A delay as a floor plus an exponential tail: network latency is rarely below its floor and occasionally far above it. */
export interface LatencySpec {
  readonly baseMs: number;
  /** Mean of the exponential part; 0 makes the delay constant. */
  readonly jitterMs: number;
}

export interface LatencyConfig {
  /** Strategy → matching engine: when an order starts to exist at the venue. */
  readonly submit: LatencySpec;
  /** Venue → strategy: when an acceptance, fill or cancel report reaches the strategy. */
  readonly ack: LatencySpec;
  /** Strategy → matching engine for a cancel: the order can still fill in between. */
  readonly cancel: LatencySpec;
}

export const zeroLatency: LatencyConfig = {
  submit: { baseMs: 0, jitterMs: 0 },
  ack: { baseMs: 0, jitterMs: 0 },
  cancel: { baseMs: 0, jitterMs: 0 },
};

const draw = (rng: Rng, s: LatencySpec): number => {
  if (s.jitterMs <= 0) return s.baseMs;
  // Whole milliseconds: the data's clock is in ms, and integer times keep the merge order unambiguous.
  return s.baseMs + Math.round(-s.jitterMs * Math.log(1 - rng.float()));
};

/**
 * Seeded latencies. Each kind draws from its own stream forked from the seed, so adding a cancel does
 * not shift every later submit delay: runs that differ in one decision stay comparable elsewhere.
 */
export class LatencyModel {
  private readonly submitRng: Rng;
  private readonly ackRng: Rng;
  private readonly cancelRng: Rng;

  constructor(
    readonly config: LatencyConfig,
    seed: number | string,
  ) {
    const root = Rng.seeded(seed);
    this.submitRng = root.fork('submit');
    this.ackRng = root.fork('ack');
    this.cancelRng = root.fork('cancel');
  }

  submit(): number {
    return draw(this.submitRng, this.config.submit);
  }

  ack(): number {
    return draw(this.ackRng, this.config.ack);
  }

  cancel(): number {
    return draw(this.cancelRng, this.config.cancel);
  }
}
