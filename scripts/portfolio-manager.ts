import type { PortfolioHandlers } from '../commands/portfolio/handlers.js';
import { type BanditConfig, defaultBanditConfig } from '../domain/portfolio/bandit.js';
import { allocationOf, PortfolioError } from '../domain/portfolio/portfolio.js';
import type { PaperClock } from '../replay/engine/paper.js';
import { runTurns } from './market-cadence.js';
import type { PaperRun } from './paper/session.js';

/** One arm of the bandit: a strategy and the paper run that trades it. */
export interface Arm {
  readonly strategyId: string;
  readonly run: PaperRun;
}

export interface PortfolioManagerOptions {
  readonly handlers: PortfolioHandlers;
  /** The runs to allocate between, one per strategy (those that started). */
  readonly arms: () => readonly Arm[];
  /** The market clock the runs follow (their earliest): a round reads what every run has reached. */
  readonly marketNow: () => number | null;
  readonly clock: PaperClock;
  /** Market time between rounds, on its grid (the design: 5 min to 1 h; hourly equity marks make 1 h the finest here). */
  readonly everyMs?: number;
  /** Wall time between rounds at least (a replay at 3600× would otherwise round every second). */
  readonly minWallMs?: number;
  readonly config?: BanditConfig;
  readonly log: (m: string) => void;
}

const HOUR = 3_600_000;
/** A change of multiplier smaller than this is not worth an AllocationApplied per run per round. */
const MIN_CHANGE = 0.01;

/**
 * Automation 7 in the node: the strategy bandit. Each round reads every run's hourly equity returns over
 * the smoothing window up to the round's market time, records the round (weights, bench, reasons), and
 * gives each run its allocation between its steps. Each run records where it applied the allocation, so
 * the run's own log replays it exactly. A restart re-applies what the log holds, and the first turn of
 * the loop gives any run whose allocation is behind the latest round.
 */
export class PortfolioManager {
  private readonly every: number;
  private readonly minWall: number;
  private readonly config: BanditConfig;
  private lastWall = Number.NEGATIVE_INFINITY;
  rounds = 0;
  failures = 0;

  constructor(private readonly o: PortfolioManagerOptions) {
    this.every = o.everyMs ?? HOUR;
    this.minWall = o.minWallMs ?? 60_000;
    this.config = o.config ?? defaultBanditConfig;
  }

  run(signal: AbortSignal): Promise<void> {
    return runTurns(() => this.turn(), {
      clock: this.o.clock,
      turnMs: 1_000,
      signal,
      failed: (err) => {
        this.failures++;
        this.o.log(`portfolio round failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    });
  }

  /** One turn: a round when one is due, then every run brought to the latest round's allocation. */
  async turn(): Promise<void> {
    const state = await this.o.handlers.state();
    const now = this.o.marketNow();
    const wall = this.o.clock.now();
    const arms = this.o.arms();
    let latest = state.latest;
    if (now !== null && arms.length > 0 && wall - this.lastWall >= this.minWall) {
      const at = Math.floor(now / this.every) * this.every;
      if (state.lastAt === null || at > state.lastAt) {
        this.lastWall = wall;
        await this.roundAt(at, arms, 'system:portfolio');
        latest = (await this.o.handlers.state()).latest;
      }
    }
    this.sync(arms, latest);
  }

  /** A round now, asked by a person (`user:<id>`): at the market hour the runs have reached. */
  async rebalance(by: string): Promise<{ roundId: string; at: number }> {
    const now = this.o.marketNow();
    const arms = this.o.arms();
    if (now === null || arms.length === 0)
      throw new PortfolioError('no-runs', 'no paper run has started: there is nothing to allocate between');
    const at = Math.floor(now / this.every) * this.every;
    const roundId = await this.roundAt(at, arms, by);
    this.sync(arms, (await this.o.handlers.state()).latest);
    return { roundId, at };
  }

  private async roundAt(at: number, arms: readonly Arm[], by: string): Promise<string> {
    const evidence = arms.map((a) => {
      const e = a.run.evidence?.(at, this.config.windowPeriods) ?? { returns: [], trades: 0 };
      return { id: a.strategyId, runId: a.run.runId, returns: e.returns, trades: e.trades };
    });
    const d = await this.o.handlers.round(evidence, at, this.config, by);
    this.rounds++;
    const scored = d.events[0]?.type === 'BanditRoundScored' ? d.events[0].data : null;
    if (scored) {
      const weights = scored.arms.map((a) => `${a.id} ${(a.weightAfter * 100).toFixed(0)}%`).join(', ');
      this.o.log(
        `portfolio ${d.roundId} at ${new Date(at).toISOString()}${by === 'system:portfolio' ? '' : ` (asked by ${by})`}: ${weights}` +
          (scored.benched.length ? `; benched ${scored.benched.join(', ')}` : '') +
          (scored.reinstated.length ? `; reinstated ${scored.reinstated.join(', ')}` : ''),
      );
    }
    return d.roundId;
  }

  /** Gives each run the latest round's allocation where it differs from what the run holds. */
  private sync(
    arms: readonly Arm[],
    latest: Awaited<ReturnType<PortfolioHandlers['state']>>['latest'],
  ): void {
    if (latest === null) return;
    for (const a of arms) {
      const want = allocationOf(latest, a.strategyId);
      // A run still starting (a live one waiting for its venue) or finished takes nothing; a later turn will.
      if (!want || !a.run.allocate || !a.run.allocationNow || a.run.status().state !== 'running') continue;
      const has = a.run.allocationNow();
      if (has?.roundId === latest.roundId) continue;
      const current = has ?? { multiplier: 1, benched: false };
      if (current.benched === want.benched && Math.abs(current.multiplier - want.multiplier) < MIN_CHANGE)
        continue;
      const arm = latest.arms.find((x) => x.id === a.strategyId)!;
      try {
        a.run.allocate({
          roundId: latest.roundId,
          weight: want.weight,
          multiplier: want.multiplier,
          benched: want.benched,
          benchedUntil: want.benchedUntil,
          reason: arm.reasons.length
            ? arm.reasons.join('; ')
            : `weight ${(want.weight * 100).toFixed(1)} % from round ${latest.roundId}`,
        });
      } catch (err) {
        // A run that has not started or has finished takes no allocation; the next turn tries again.
        this.o.log(
          `portfolio: ${a.run.runId} not allocated: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}
