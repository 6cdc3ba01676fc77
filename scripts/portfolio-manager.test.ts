import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { PortfolioHandlers } from '../commands/portfolio/handlers.js';
import { catalogue } from '../domain/catalogue.js';
import { defaultBanditConfig } from '../domain/portfolio/bandit.js';
import type { AllocationAppliedData, BanditRoundScoredData } from '../domain/portfolio/events.js';
import { portfolioStreamId } from '../domain/portfolio/events.js';
import { allocationsIn } from '../replay/engine/allocations.js';
import type { RecordedAllocation } from '../replay/engine/config.js';
import { Engine } from '../replay/engine/engine.js';
import { loadFeeds } from '../replay/engine/feeds.js';
import { logHash } from '../replay/engine/log-hash.js';
import { prepareRun } from '../replay/engine/run.js';
import { EngineRun } from './paper/engine-run.js';
import type { PaperRun, PaperRunStatus } from './paper/session.js';
import { PortfolioManager } from './portfolio-manager.js';

const HOUR = 3_600_000;
const STRATEGIES = ['ema-cross', 'donchian-breakout', 'bollinger-rsi'];
const FROM = Date.UTC(2023, 5, 1);

const engineFor = async (strategyId: string, allocations?: readonly RecordedAllocation[]) => {
  const { config } = await prepareRun({
    strategyId,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    from: '2023-06-01',
    to: '2023-08-15',
    runId: `pm-${strategyId}`,
    mode: 'paper',
  });
  return new Engine(
    { ...config, accountId: config.runId, ...(allocations ? { allocations } : {}) },
    loadFeeds(config.symbols, '1h').feeds,
  );
};

/** A paper run the test steps itself: the EngineRun the sessions share, with a clock the test moves. */
class SteppedRun extends EngineRun implements PaperRun {
  constructor(
    private readonly strategyId: string,
    readonly e: Engine,
  ) {
    super(e.config.runId, new MemoryEventStore({ catalogue: catalogue() }), {});
    this.attach(e);
    this.state = 'running';
    e.start();
  }
  async prepare() {}
  async fastForward() {
    return 0;
  }
  async run() {}
  /** Steps until the next step would pass `t`. */
  advance(t: number): void {
    while (this.e.nextTime() <= t && this.e.step()) {}
  }
  get simTime() {
    return this.e.now;
  }
  status(): PaperRunStatus {
    return { strategyId: this.strategyId, state: this.state } as PaperRunStatus;
  }
}

describe('portfolio manager over real paper runs', () => {
  it('rounds on the runs’ clock, allocates between steps, benches for the cooldown, and every run replays to its log', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const runs = await Promise.all(STRATEGIES.map(async (s) => new SteppedRun(s, await engineFor(s))));
    let market = FROM;
    let wall = 0;
    const manager = new PortfolioManager({
      handlers: new PortfolioHandlers(store, newEventId),
      arms: () => runs.map((run) => ({ strategyId: run.status().strategyId, run })),
      marketNow: () => market,
      clock: { now: () => wall, sleep: async () => {} },
      // A round every market day here, so two and a half months take 75 rounds.
      everyMs: 24 * HOUR,
      minWallMs: 0,
      config: { ...defaultBanditConfig, minPeriods: 5 * 24 },
      log: () => {},
    });
    const end = Date.UTC(2023, 7, 15);
    for (; market < end; market += HOUR) {
      for (const r of runs) r.advance(market);
      wall += 1000;
      await manager.turn();
    }
    // The data's last bars, then the end, as runToEnd would.
    for (const r of runs) {
      r.advance(Number.POSITIVE_INFINITY);
      r.e.finish('end-of-data', null);
    }

    const rounds = (await store.readStream(portfolioStreamId))
      .filter((e) => e.type === 'BanditRoundScored')
      .map((e) => e.data as BanditRoundScoredData);
    expect(rounds.length).toBeGreaterThanOrEqual(70);
    for (const r of rounds) {
      expect(r.at % (24 * HOUR)).toBe(0);
      expect(r.arms.reduce((s, a) => s + a.weightAfter, 0)).toBeCloseTo(1, 9);
    }
    // Real evidence: each arm's returns are its run's hourly equity returns, a full window by the end
    // for an arm not reinstated within it (a reinstated arm is judged from its return on).
    const last = rounds.at(-1)!;
    expect(Math.max(...last.arms.map((a) => a.periods))).toBe(7 * 24);
    for (const a of last.arms) expect(a.periods).toBeLessThanOrEqual(7 * 24);

    const benches = (await store.readStream(portfolioStreamId)).filter((e) => e.type === 'StrategyBenched');
    expect(benches.length).toBeGreaterThan(0);
    for (const r of runs) {
      const applied = r.e.store.raw().filter((e) => e.type === 'AllocationApplied');
      expect(applied.length).toBeGreaterThan(0);
    }
    // The benched run took its bench: flat, and nothing opened until the round that reinstated it.
    const bench = benches[0]!.data as { strategyId: string; roundId: string; until: number };
    const run = runs.find((r) => r.status().strategyId === bench.strategyId)!;
    const log = r(run);
    const benchAt = log.findIndex(
      (e) => e.type === 'AllocationApplied' && (e.data as AllocationAppliedData).roundId === bench.roundId,
    );
    expect(benchAt).toBeGreaterThan(0);
    const back = log.findIndex(
      (e, i) => i > benchAt && e.type === 'AllocationApplied' && !(e.data as AllocationAppliedData).benched,
    );
    const benchedSpan = log.slice(benchAt, back);
    expect(
      benchedSpan.some((e) => e.type === 'OrderRequested' && !(e.data as { reduceOnly: boolean }).reduceOnly),
    ).toBe(false);
    // Back after the cooldown, not before.
    expect(back).toBeGreaterThan(benchAt);
    expect(Date.parse(log[back]!.metadata.occurredAt)).toBeGreaterThanOrEqual(bench.until);

    // Restart or re-run: each run, given the allocations its log recorded, writes the same log.
    for (const r of runs) {
      const again = await engineFor(r.status().strategyId, allocationsIn(r.e.store.raw()));
      again.runToEnd();
      expect(logHash(again.store.raw())).toBe(logHash(r.e.store.raw()));
    }
  }, 120_000);
});

const r = (run: SteppedRun) => run.e.store.raw();
