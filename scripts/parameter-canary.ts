import type { ParameterVersionHandlers } from '../commands/optimizer/parameter-versions.js';
import type { EventMetadata } from '../domain/events/envelope.js';
import { type CanaryPlan, judgeProbation } from '../domain/optimizer/canary.js';
import type { ParameterVersionEvent } from '../domain/optimizer/events.js';
import type { ParameterVersionsState } from '../domain/optimizer/parameter-versions.js';
import type { PaperClock } from '../replay/engine/paper.js';
import { MarketCadence, runTurns } from './market-cadence.js';
import type { CanaryRunSpec, VersionSwitch } from './paper/fleet.js';
import type { PaperRun } from './paper/session.js';

/** The fleet as the canary manager drives it (scripts/paper/fleet.ts). */
export interface CanaryFleet {
  inForceRun(strategyId: string): PaperRun | undefined;
  canaryRun(strategyId: string): PaperRun | undefined;
  addCanary(strategyId: string, c: CanaryRunSpec): Promise<PaperRun | null>;
  adopt(strategyId: string, reason: string): void;
  dropCanary(strategyId: string, reason: string): void;
  switchTo(strategyId: string, v: VersionSwitch, reason: string): Promise<boolean>;
  reinstateIfReplaced(strategyId: string): void;
  stopIdleReplaced(): void;
}

export interface ParameterCanaryOptions {
  readonly handlers: ParameterVersionHandlers;
  readonly strategies: readonly string[];
  readonly fleet: CanaryFleet;
  readonly plan: CanaryPlan;
  /** The market clock the runs follow; null while it is not known. */
  readonly marketNow: () => number | null;
  readonly clock: PaperClock;
  /** Market time between judgements (default 1 h). */
  readonly everyMs?: number;
  /** Wall time between judgements at least (a replay at 3600× would otherwise judge every second). */
  readonly minWallMs?: number;
  /** Wall time between two turns (default 1 s): how soon a person's decision or a risk hit is acted on. */
  readonly turnMs?: number;
  readonly log: (m: string) => void;
}

const HOUR = 3_600_000;

const meta = (at: number, correlationId: string): EventMetadata => ({
  correlationId,
  causationId: null,
  actor: 'system:parameter-canary',
  mode: 'paper',
  occurredAt: new Date(at).toISOString(),
});

/**
 * Automation 2 in the node: a parameter version that passed the optimizer's gates is not put in force at
 * once. It trades as a canary beside the version in force, at the plan's share, on the same market; every
 * market hour the judge (domain/optimizer/canary.ts) reads both runs, and adopts it (it takes over all of
 * the capital) or rolls it back. A risk hit on the canary, or a person's decision in the API, is acted on
 * within a turn, not at the next hour.
 */
export class ParameterCanaryManager {
  private readonly cadence: MarketCadence;
  /** Why a canary's run could not start, said once. */
  private readonly refused = new Set<string>();
  judgements = 0;
  failures = 0;

  constructor(private readonly o: ParameterCanaryOptions) {
    this.cadence = new MarketCadence(o.everyMs ?? HOUR, o.minWallMs ?? 60_000);
  }

  run(signal: AbortSignal): Promise<void> {
    return runTurns(() => this.turn(), {
      clock: this.o.clock,
      turnMs: this.o.turnMs ?? 1_000,
      signal,
      failed: (err) => {
        this.failures++;
        this.o.log(`parameter canary: ${err instanceof Error ? err.message : String(err)}`);
      },
    });
  }

  async turn(): Promise<void> {
    const now = this.o.marketNow();
    if (now === null) return;
    const { due } = this.cadence.take(now, this.o.clock.now());
    for (const strategyId of this.o.strategies) {
      const state = await this.o.handlers.state(strategyId);
      await this.follow(strategyId, state, now, due);
    }
    this.o.fleet.stopIdleReplaced();
  }

  private async follow(strategyId: string, state: ParameterVersionsState, now: number, due: boolean) {
    const fleet = this.o.fleet;
    const c = state.canary;
    const running = fleet.canaryRun(strategyId);
    // Concluded elsewhere (a person in the API): the fleet follows the log.
    if (c === null && running) {
      const v = running.paramsVersion ?? 0;
      if (state.active === v) {
        fleet.adopt(strategyId, `parameter version ${v} adopted`);
        this.o.log(`parameter canary ${strategyId}: version ${v} takes over`);
      } else {
        fleet.dropCanary(strategyId, `parameter version ${v} rolled back`);
        this.o.log(`parameter canary ${strategyId}: version ${v} rolled back`);
      }
      return;
    }
    if (c === null) {
      if (!(await this.keepInForce(strategyId, state, now))) return;
      await this.maybeStart(strategyId, state, now);
      return;
    }
    const run = running ?? (await this.startRun(strategyId, c));
    if (!run) return;
    const failed = run.status();
    if (failed.state === 'failed') {
      const d = await this.o.handlers.handle(
        strategyId,
        {
          kind: 'AbortCanary',
          version: c.version,
          reason: `its run failed: ${failed.error}`,
          at: Math.floor(now),
        },
        meta(now, `parameter-canary:${strategyId}:v${c.version}`),
      );
      this.act(strategyId, d.events);
      return;
    }
    const incumbent = fleet.inForceRun(strategyId);
    // Judged on both runs' records once the canary has reached its start; a risk hit waits for no hour.
    if (!incumbent?.record || !run.record || run.simTime < c.startedAt) return;
    const record = run.record(c.startedAt);
    if (!due && !record.breakerTripped) return;
    const judgedAt = Math.max(c.startedAt, Math.min(now, run.simTime, incumbent.simTime));
    this.judgements++;
    const d = await this.o.handlers.handle(
      strategyId,
      {
        kind: 'JudgeCanary',
        version: c.version,
        at: judgedAt,
        canary: record,
        incumbent: incumbent.record(c.startedAt),
      },
      meta(judgedAt, `parameter-canary:${strategyId}:v${c.version}`),
    );
    this.act(strategyId, d.events);
  }

  /**
   * The fleet trades the version the log has in force (a rollback or a person's promotion in the API
   * takes effect within a turn), and a version that took over from its canary is rolled back to the one
   * it replaced on a risk hit or when its drawdown passes the plan's limit, within `maxHours` of taking
   * over (judgeProbation): design §13, any risk hit or performance degradation rolls back to the previous
   * stable version. False while a switch waits.
   */
  private async keepInForce(
    strategyId: string,
    state: ParameterVersionsState,
    now: number,
  ): Promise<boolean> {
    const fleet = this.o.fleet;
    const run = fleet.inForceRun(strategyId);
    if (!run) return false;
    const want = state.active ?? 0;
    if ((run.paramsVersion ?? 0) !== want) {
      const key = `${strategyId}:switch:${want}`;
      // A run that could not start (its data, its parameters) would fail again: said once, not retried.
      if (this.refused.has(key)) return false;
      const ok = await fleet.switchTo(
        strategyId,
        {
          version: want,
          params: want > 0 ? (state.versions.get(want) ?? {}) : {},
          ...(state.runStarts.has(want) ? { since: state.runStarts.get(want)! } : {}),
        },
        `parameter version ${want} in force`,
      );
      if (ok) this.o.log(`parameter canary ${strategyId}: version ${want} in force, its run trades`);
      else {
        this.refused.add(key);
        this.o.log(
          `parameter canary ${strategyId}: version ${want} is in force but its run cannot start; the runs keep version ${run.paramsVersion ?? 0} until the next start`,
        );
      }
      return false;
    }
    fleet.reinstateIfReplaced(strategyId);
    const p = state.probation;
    if (p === null || p.version !== want || !run.record) return true;
    const verdict = judgeProbation(this.o.plan, p.since, now, run.record(p.since));
    if (!verdict.rollBack) return true;
    const at = Math.floor(now);
    await this.o.handlers.handle(
      strategyId,
      {
        kind: 'RollBackParameters',
        toVersion: p.incumbentVersion,
        reason: `version ${want}: ${verdict.reason}`,
        at,
      },
      meta(at, `parameter-canary:${strategyId}:v${want}:probation`),
    );
    this.o.log(
      `parameter canary ${strategyId}: version ${want} rolled back to ${p.incumbentVersion}: ${verdict.reason}`,
    );
    return false;
  }

  /** The newest proposal, when it passed the gates and waits: it starts as a canary now. */
  private async maybeStart(strategyId: string, state: ParameterVersionsState, now: number) {
    const newest = [...state.proposals.values()].at(-1);
    if (newest?.status !== 'pending' || newest.data.verdict !== 'pass') return;
    const at = Math.floor(now);
    const d = await this.o.handlers.handle(
      strategyId,
      { kind: 'StartCanary', proposalId: newest.data.proposalId, at, plan: this.o.plan },
      meta(at, `parameter-canary:${strategyId}:${newest.data.proposalId}`),
    );
    const started = d.events.find((e) => e.type === 'ParameterCanaryStarted');
    if (started?.type !== 'ParameterCanaryStarted') return;
    this.o.log(
      `parameter canary ${strategyId}: version ${started.data.version} (${JSON.stringify(started.data.params)}) trades ${this.o.plan.share * 100} % beside version ${started.data.incumbentVersion}`,
    );
    const c = (await this.o.handlers.state(strategyId)).canary;
    if (c) await this.startRun(strategyId, c);
  }

  /**
   * The canary's run. One that cannot start (its data, its parameters) is rolled back with the reason:
   * a canary that does not trade can never be judged.
   */
  private async startRun(strategyId: string, c: NonNullable<ParameterVersionsState['canary']>) {
    const run = await this.o.fleet.addCanary(strategyId, {
      version: c.version,
      params: c.params,
      startedAt: c.startedAt,
      share: c.plan.share,
    });
    if (run) return run;
    const key = `${strategyId}:${c.version}`;
    if (this.refused.has(key)) return null;
    this.refused.add(key);
    const at = this.o.marketNow() ?? c.startedAt;
    const d = await this.o.handlers.handle(
      strategyId,
      { kind: 'AbortCanary', version: c.version, reason: 'its run could not start', at: Math.floor(at) },
      meta(at, `parameter-canary:${strategyId}:v${c.version}`),
    );
    this.act(strategyId, d.events);
    return null;
  }

  private act(strategyId: string, events: readonly ParameterVersionEvent[]): void {
    for (const e of events) {
      if (e.type !== 'ParameterCanaryConcluded') continue;
      const d = e.data;
      const why = `parameter version ${d.version} ${d.outcome === 'adopted' ? 'adopted' : 'rolled back'}: ${d.reason}`;
      if (d.outcome === 'adopted') this.o.fleet.adopt(strategyId, why);
      else this.o.fleet.dropCanary(strategyId, why);
      this.o.log(`parameter canary ${strategyId}: ${why}`);
    }
  }
}
