import type { LifecycleHandlers } from '../commands/lifecycle/handlers.js';
import { type Fixed, fixed } from '../domain/ledger/fixed.js';
import { checkAccount, checkWallet, type WalletCheck } from '../domain/lifecycle/account-check.js';
import { nextBacking } from '../domain/lifecycle/backing.js';
import type { GateConfig, Stage } from '../domain/lifecycle/gates.js';
import { LifecycleError, type LifecycleState, type StageEvidence } from '../domain/lifecycle/lifecycle.js';
import { toNumber } from '../domain/risk/num.js';
import type { PaperClock } from '../replay/engine/paper.js';
import { MarketCadence, runTurns } from './market-cadence.js';
import type { PaperRun } from './paper/session.js';

/** A real-account run as the manager drives it (scripts/paper/real-session.ts). */
export interface RealRun extends PaperRun {
  /** What its log records: `canary` or `live` (prod); a canary promoted to prod keeps its run, at a new size. */
  readonly mode: 'canary' | 'live';
  readonly sizing: number;
  resize(share: number, reason: string): void;
  /** Off real money for good: flat, then its loop ends. */
  retire(reason: string): void;
  /** The run's positions as its ledger holds them, by symbol (signed). */
  ledgerPositions(): ReadonlyMap<string, Fixed>;
  /** Nothing of the run is on its way: no order working, nothing learnt and not yet booked. */
  quiet(): boolean;
  /** The money its ledger moved in the account's wallet (realised PnL − fees + funding); see checkWallet. */
  ledgerFlows?(): Fixed;
  /**
   * The earlier run whose positions it has taken over (Engine's carry), once it has: its ledger holds them
   * now, and that run's read models may still show them until the hand-over reaches them.
   */
  carriedFrom?(): string | null;
  /**
   * It stopped to hand its positions over to the next run (RealAccountSession.handOver). What settling it
   * booked next (a fill of an order in flight, funding) is in the main log, not in its engine: it is
   * counted from the read models, as a run of an earlier process is.
   */
  readonly handedOver?: boolean;
  /**
   * What the exchange recorded that the run's ledger could not book (a closing trade beyond what it held,
   * funding on a position it does not hold), oldest first, in words; each is an ExchangeRecordUnbooked
   * event in the run's stream too.
   */
  unbooked(): readonly string[];
  /**
   * What it went on from when it started, in words: the positions and stop ladders it took over, the
   * breaker levels, risk state and evidence of the real runs before it (previous-run.ts). Empty for a
   * fresh start.
   */
  wentOnFrom?(): readonly string[];
}

/** The real account, as the reconciliation reads it. */
export interface RealAccount {
  readonly venue: string;
  positions(): Promise<ReadonlyMap<string, string>>;
  /** The wallet balance in the margin asset; without it, the check leaves the wallet out. */
  walletBalance?(asset: string): Promise<string>;
  /** No call to the exchange in flight. */
  readonly quiet: boolean;
}

/**
 * Starts a strategy's real-account run, or says why it cannot (something left on the account, no venue).
 * With `replacing`, the new run carries on what that run of this process holds: it stops it once it is
 * ready to trade (RealAccountSession.handOver) and takes its positions over.
 */
export type StartRealRun = (
  strategyId: string,
  mode: 'canary' | 'live',
  share: number,
  replacing?: RealRun,
) => Promise<RealRun | string>;

export interface LifecycleManagerOptions {
  readonly handlers: LifecycleHandlers;
  readonly gates: GateConfig;
  /** Every strategy the node runs, with its version (onboarded at start when new). */
  readonly strategies: ReadonlyMap<string, string>;
  /** The node's paper runs, one per strategy. */
  readonly runs: () => readonly PaperRun[];
  /** What the paper runs are: on the recorded market (paper evidence) or the venue's live bars (shadow). */
  readonly feed: 'recorded' | 'live';
  /** The market clock the runs follow. */
  readonly marketNow: () => number | null;
  readonly clock: PaperClock;
  /** Market time between evaluations (default 1 h). */
  readonly everyMs?: number;
  /** Wall time between evaluations at least (a replay at 3600× would otherwise evaluate every second). */
  readonly minWallMs?: number;
  /** Wall time between two turns (default 1 s): how soon a person's revocation reaches a real run. */
  readonly turnMs?: number;
  /** Null when this node trades no real money (LIVE_ORDERS off): canary and prod then wait for one that does. */
  readonly startReal: StartRealRun | null;
  /**
   * The parameter version in force for a strategy (automation 2). A real run trading another is taken off
   * real money (it closes its positions) and the next one starts with the version in force: design §2.2's
   * switch to 100 %. Absent: real runs keep the version they started with.
   */
  readonly versionInForce?: (strategyId: string) => Promise<number>;
  /**
   * A real run trading a version no longer in force hands its positions to the run of the version in force
   * (startReal's `replacing`), which takes them over at no trade; it trades on until that run is ready.
   * Absent or false: it closes them and ends, and the next run starts flat.
   */
  readonly handOverVersions?: boolean;
  /** The account the real runs trade, reconciled against their ledgers every `checkEveryMs` (default 60 s). */
  readonly account?: RealAccount;
  /**
   * What real runs of earlier processes left on the account, by run, as their ledgers hold them (signed
   * quantities by symbol): the account check counts them, or a position waiting to be closed out would
   * look like a trade by hand.
   */
  readonly leftovers?: () => Promise<
    readonly { readonly runId: string; readonly positions: ReadonlyMap<string, Fixed> }[]
  >;
  /**
   * The money the ledgers of the real runs this process does not drive moved in the wallet (runs of earlier
   * processes, as the read models hold them): the wallet check counts every real run's.
   */
  readonly otherLedgerFlows?: (driven: ReadonlySet<string>) => Promise<Fixed>;
  readonly checkEveryMs?: number;
  /** The first minutes of each hour in which the wallet is not read (default FUNDING_SETTLE_MS). */
  readonly fundingSettleMs?: number;
  /**
   * The USDT each strategy trades in prod (LIVE_CAPITAL): with it, the real runs size on no more than the
   * wallet backs (domain/lifecycle/backing.ts), read at each wallet check. Absent: on their shares alone.
   */
  readonly capital?: number;
  readonly log: (m: string) => void;
}

const HOUR = 3_600_000;
/** The margin asset of the real account (USDⓈ-M). */
const WALLET_ASSET = 'USDT';
/**
 * The first minutes of each hour, when Binance charges funding (every 8, 4 or 1 hours, on the hour) and its
 * income record is on its way: the wallet has moved and no ledger has booked it yet. A wallet read then
 * would set a baseline off by the funding, or see a difference that is gone a minute later.
 */
export const FUNDING_SETTLE_MS = 5 * 60_000;

/**
 * Automation 8 in the node. It onboards every strategy on paper, judges each one's stage every market
 * hour on what its runs show (the paper runs' evidence is paper's on the recorded market and shadow's on
 * the live one; a real run's is the canary's or prod's), and keeps the real-account runs in step with the
 * stages every second, so a person's revocation takes effect at once: canary trades the canary share of
 * the capital, prod all of it, and any other stage nothing (an open real run is flattened).
 */
export class LifecycleManager {
  private readonly cadence: MarketCadence;
  private readonly real = new Map<string, RealRun>();
  /** Real runs taken off real money (their loops end once flat), for the status pages. */
  private readonly ended: RealRun[] = [];
  /**
   * By strategy, its run of a version no longer in force that trades on until the run in `real` takes its
   * positions over (handOverVersions).
   */
  private readonly handing = new Map<string, RealRun>();
  /** Why a strategy's real run could not start, said once per reason. */
  private readonly refused = new Map<string, string>();
  private onboarded = false;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private checkFailing = false;
  /** The real runs the last check counted, by id: a new one is checked without waiting for the minute. */
  private checkedRuns = '';
  /** A difference seen once, waiting for a second check to confirm it. */
  private suspect: string | null = null;
  /** The money no ledger explained at this process's first wallet check; null before it. */
  private walletBaseline: Fixed | null = null;
  /** What the last recorded check found unexplained in the wallet. */
  private walletUnexplained: string | null = null;
  /**
   * The last wallet check recorded (confirmed): it stands while funding settles (FUNDING_SETTLE_MS). Not
   * the last one read: a difference seen once must be confirmed by a fresh reading.
   */
  private lastWallet: WalletCheck | null = null;
  /** The share of what the real runs commit that the wallet backs (1: all of it); each sizes on it × its share. */
  private backingNow = 1;
  /** Each strategy's share of the capital by its stage, before the backing. */
  private readonly stageShares = new Map<string, number>();
  private stopping = false;
  /** Each strategy's stage and approval when last judged: a change (a person's decision) is judged at once. */
  private readonly seen = new Map<string, string>();
  evaluations = 0;
  failures = 0;

  constructor(private readonly o: LifecycleManagerOptions) {
    this.cadence = new MarketCadence(o.everyMs ?? HOUR, o.minWallMs ?? 60_000);
  }

  run(signal: AbortSignal): Promise<void> {
    return runTurns(() => this.turn(signal), {
      clock: this.o.clock,
      turnMs: this.o.turnMs ?? 1_000,
      signal,
      failed: (err) => {
        this.failures++;
        this.o.log(`lifecycle: ${err instanceof Error ? err.message : String(err)}`);
      },
    });
  }

  /**
   * One turn: onboarding (once the runs' market clock is known: every move is on it), an evaluation of
   * every strategy when one is due and of any a person has just decided on, then the real runs kept in step.
   */
  async turn(signal?: AbortSignal): Promise<void> {
    const now = this.o.marketNow();
    if (now === null) return;
    if (!this.onboarded) {
      for (const [id, version] of this.o.strategies)
        if (await this.o.handlers.onboard(id, version, now))
          this.o.log(`lifecycle: ${id} onboarded on paper`);
      this.onboarded = true;
    }
    const { at, due } = this.cadence.take(now, this.o.clock.now());
    const keyOf = (s: LifecycleState) => `${s.stage}|${s.approvedBy}`;
    // One read of each strategy's stream per turn (two when it is judged): the real runs follow these stages.
    const stages = new Map<string, Stage | null>();
    for (const id of this.o.strategies.keys()) {
      let state = await this.o.handlers.state(id);
      // A person's decision (an approval, a revocation) waits for no clock, and neither does a real run in
      // trouble: the strategy is judged at once.
      if (due || this.seen.get(id) !== keyOf(state) || this.inTrouble(id)) {
        if (await this.evaluate(id, state, Math.max(at, state.since)))
          state = await this.o.handlers.state(id);
      }
      this.seen.set(id, keyOf(state));
      stages.set(id, state.stage);
    }
    await this.sync(stages, signal);
    await this.reconcile(now);
  }

  /**
   * The account against the real runs' ledgers, when nothing is on its way. A difference is acted on only
   * when a second check, 5 s later and still quiet, finds the same one (a fill can land between the exchange's
   * answer and the ledger's booking); then it is recorded and every strategy is taken off real money.
   * Agreement is recorded when the answer changes.
   */
  private async reconcile(marketNow: number): Promise<void> {
    const account = this.o.account;
    if (account === undefined) return;
    // A run whose positions a run here has taken over is counted by that run's ledger, not twice: its own
    // ledger (in memory) never saw the hand-over, which the taking run writes into its stream. One that
    // handed over and was settled is counted from the read models, which hold what settling it booked.
    const carried = new Set(this.realRuns().map((r) => r.carriedFrom?.() ?? null));
    const runs = this.realRuns().filter(
      (r) => r.status().state !== 'starting' && !carried.has(r.runId) && r.handedOver !== true,
    );
    // With no run of its own, the check still counts what earlier processes' runs left (waiting under
    // LIVE_LEFTOVERS=wait, say): a trade by hand beside them is as much the person's to know.
    if (runs.length === 0 && this.o.leftovers === undefined) return;
    const wall = this.o.clock.now();
    const every = this.suspect === null ? (this.o.checkEveryMs ?? 60_000) : 5_000;
    const ids = runs.map((r) => r.runId);
    // A run that has just begun to trade is checked at its first quiet moment, not up to a minute later.
    const drivenKey = ids.join(',');
    if (wall - this.lastCheck < every && drivenKey === this.checkedRuns) return;
    const quiet = () => account.quiet && runs.every((r) => r.quiet());
    if (!quiet()) return;
    this.lastCheck = wall;
    this.checkedRuns = drivenKey;
    // Runs of earlier processes this one does not drive: their ledgers hold what they left on the account.
    const earlier = ((await this.o.leftovers?.()) ?? []).filter(
      (l) => !ids.includes(l.runId) && !carried.has(l.runId),
    );
    if (runs.length === 0 && earlier.length === 0) return;
    let exchange: ReadonlyMap<string, string>;
    try {
      exchange = await account.positions();
      this.checkFailing = false;
    } catch (err) {
      if (!this.checkFailing)
        this.o.log(`account check: ${err instanceof Error ? err.message : String(err)}; trying again`);
      this.checkFailing = true;
      return;
    }
    const wallet = await this.walletCheck(account, runs);
    if (!quiet()) return;
    const result = checkAccount(exchange, [
      ...runs.map((r) => r.ledgerPositions()),
      ...earlier.map((l) => l.positions),
    ]);
    // A difference, in the positions or in the wallet's unexplained money, counts once a second check finds it too.
    const key = JSON.stringify([result.rows, wallet?.unexplained]);
    const moved =
      wallet !== null && this.walletUnexplained !== null && wallet.unexplained !== this.walletUnexplained;
    if ((!result.matched || moved) && this.suspect !== key) {
      this.suspect = key;
      return;
    }
    this.suspect = null;
    if (wallet !== null) {
      if (wallet.unexplained !== (this.walletUnexplained ?? '0'))
        this.o.log(
          `account check: the ${account.venue} wallet holds ${wallet.unexplained} ${wallet.asset} the real runs' ledgers do not explain, since this process's first check (a transfer, a trade by hand, or a charge not booked)`,
        );
      this.walletUnexplained = wallet.unexplained;
      this.lastWallet = wallet;
    }
    if (
      await this.o.handlers.recordAccountCheck(
        account.venue,
        { ...result, ...(wallet === null ? {} : { wallet }) },
        [...ids, ...earlier.map((l) => l.runId)],
        wall,
      )
    )
      this.o.log(
        result.matched
          ? `account check: the ${account.venue} account matches the real runs' ledgers`
          : `account check: the ${account.venue} account differs from the real runs' ledgers: ${result.rows
              .filter((r) => r.exchange !== r.ledger)
              .map((r) => `${r.symbol} exchange ${r.exchange}, ledgers ${r.ledger}`)
              .join('; ')}`,
      );
    if (result.matched) return;
    for (const id of this.real.keys())
      await this.o.handlers.takeOff(id, marketNow, `the ${account.venue} account differs from the ledger`);
  }

  /**
   * The wallet against every real run's ledger (checkWallet), or null when the account or a run cannot say.
   * The first one sets the baseline this process measures from. In the minutes after each hour, while
   * funding settles, the wallet is not read: the last check stands (none before the first).
   */
  private async walletCheck(account: RealAccount, runs: readonly RealRun[]): Promise<WalletCheck | null> {
    if (account.walletBalance === undefined || runs.some((r) => r.ledgerFlows === undefined)) return null;
    if (this.o.clock.now() % 3_600_000 < (this.o.fundingSettleMs ?? FUNDING_SETTLE_MS))
      return this.lastWallet;
    let balance: string;
    let others: Fixed;
    const readAt = this.o.clock.now();
    try {
      balance = await account.walletBalance(WALLET_ASSET);
      others = (await this.o.otherLedgerFlows?.(new Set(runs.map((r) => r.runId)))) ?? 0n;
    } catch (err) {
      this.o.log(
        `account check: the wallet could not be read (${err instanceof Error ? err.message : String(err)})`,
      );
      return null;
    }
    const flows = runs.reduce((sum, r) => sum + r.ledgerFlows!(), others);
    const check = checkWallet(WALLET_ASSET, fixed(balance), flows, this.walletBaseline, readAt);
    this.walletBaseline ??= fixed(check.baseline);
    this.followWallet(toNumber(fixed(balance)));
    return check;
  }

  /** The share of what the real runs commit that the wallet backs now (1 without LIVE_CAPITAL's check). */
  get backing(): number {
    return this.backingNow;
  }

  /**
   * The backing after a wallet reading: what the real runs commit is each one's stage share of the capital
   * and what its ledger has moved since, whole (its gains and losses were made at its size, and are the
   * wallet's too). The next turn resizes the runs by it.
   */
  private followWallet(wallet: number): void {
    const capital = this.o.capital;
    if (capital === undefined) return;
    let committed = 0;
    for (const [id, run] of this.real) {
      const flows = run.ledgerFlows?.();
      committed += (this.stageShares.get(id) ?? 0) * capital + (flows === undefined ? 0 : toNumber(flows));
    }
    const next = nextBacking(wallet, committed, this.backingNow);
    if (next === this.backingNow) return;
    this.o.log(
      next < this.backingNow
        ? `lifecycle: the ${WALLET_ASSET} wallet holds ${wallet.toFixed(2)} of the ${committed.toFixed(2)} the real runs commit: they size on ${pct(next)} of their share`
        : `lifecycle: the ${WALLET_ASSET} wallet holds ${wallet.toFixed(2)} for the ${committed.toFixed(2)} the real runs commit: they size on ${pct(next)} of their share again`,
    );
    this.backingNow = next;
  }

  /** The strategy's real run tripped its breaker or drew down past the demotion limit. */
  private inTrouble(strategyId: string): boolean {
    const e = this.real.get(strategyId)?.lifecycleEvidence?.();
    return e != null && (e.breakerTripped || e.maxDrawdown > this.o.gates.demoteDrawdown);
  }

  /** What each of a strategy's runs shows now. */
  evidence(strategyId: string): StageEvidence {
    const paper = this.o
      .runs()
      .find((r) => r.status().strategyId === strategyId)
      ?.lifecycleEvidence?.();
    const real = this.real.get(strategyId)?.lifecycleEvidence?.();
    return {
      ...(paper ? (this.o.feed === 'recorded' ? { paper } : { shadow: paper }) : {}),
      ...(real ? { real } : {}),
    };
  }

  /** The strategy's real run, or the last one taken off real money; null when it never had one. */
  realRun(strategyId: string): RealRun | null {
    return (
      this.real.get(strategyId) ?? this.ended.findLast((r) => r.status().strategyId === strategyId) ?? null
    );
  }

  realRuns(): readonly RealRun[] {
    return [...this.ended, ...this.handing.values(), ...this.real.values()];
  }

  /** Judges the strategy on its evidence; true when that moved it. */
  private async evaluate(id: string, state: LifecycleState, at: number): Promise<boolean> {
    if (state.stage === null || state.stage === 'retired') return false;
    try {
      const d = await this.o.handlers.evaluate(id, this.evidence(id), at);
      this.evaluations++;
      for (const e of d.events)
        if (e.type === 'StrategyStageChanged')
          this.o.log(`lifecycle: ${id} ${e.data.from} → ${e.data.to} (${e.data.reason}): ${e.data.detail}`);
      return d.events.length > 0;
    } catch (err) {
      if (!(err instanceof LifecycleError)) throw err;
      this.o.log(`lifecycle: ${id}: ${err.message}`);
      return false;
    }
  }

  /**
   * Takes every real run off real money (the node is stopping with LIVE_ON_STOP=flatten): each closes its
   * positions on the exchange and ends. Resolves when all have ended or `timeoutMs` has passed, with the
   * runs still open then. No real run starts after this.
   */
  async flattenAll(reason: string, timeoutMs: number): Promise<string[]> {
    this.stopping = true;
    // A run handing over retires too: once it has handed over, the one taking over answers for its positions.
    const runs = [...this.handing.values(), ...this.real.values()];
    for (const run of runs) run.retire(reason);
    this.ended.push(...runs);
    this.real.clear();
    this.handing.clear();
    const end = this.o.clock.now() + timeoutMs;
    const open = () => runs.filter((r) => r.status().state === 'running').map((r) => r.runId);
    while (open().length > 0 && this.o.clock.now() < end) await this.o.clock.sleep(100);
    return open();
  }

  /** Real runs in step with the stages: started, resized, or taken off real money. */
  private async sync(stages: ReadonlyMap<string, Stage | null>, signal?: AbortSignal): Promise<void> {
    if (this.stopping) return;
    for (const id of this.o.strategies.keys()) {
      const stage = stages.get(id) ?? null;
      const share = stage === 'canary' ? this.o.gates.canaryShare : stage === 'prod' ? 1 : 0;
      this.stageShares.set(id, share);
      const want = share * this.backingNow;
      const sized = `${stage}: ${share * 100} % of the capital${this.backingNow < 1 ? `, of which the wallet backs ${Math.round(this.backingNow * 100)} %` : ''}`;
      this.followHandOver(id, want);
      const run = this.real.get(id);
      if (run !== undefined) {
        // Asked only of a run that stays on real money: one read of the parameters stream per turn.
        const version = want === 0 ? null : await this.inForceFor(id, run);
        if (want === 0) {
          // Off real money: this run closes what it holds and ends; a later canary is a new run.
          run.retire(`taken off real money: the strategy is at ${stage}`);
          this.real.delete(id);
          this.ended.push(run);
          this.o.log(`lifecycle: ${run.runId} taken off real money (${stage}): closing its positions`);
        } else if (version !== null) {
          if (await this.handOver(id, run, stage === 'canary' ? 'canary' : 'live', want, version, signal))
            continue;
          // Another parameter version is in force: this run closes what it holds and ends; once the
          // account is clear of it, the next one trades the version in force.
          run.retire(
            `parameter version ${version} is in force: this run traded version ${run.paramsVersion}`,
          );
          this.real.delete(id);
          this.ended.push(run);
          this.o.log(
            `lifecycle: ${run.runId} trades parameter version ${run.paramsVersion}, version ${version} is in force: closing its positions, then a new run`,
          );
        } else if (run.sizing !== want) {
          run.resize(want, sized);
          this.o.log(`lifecycle: ${run.runId} now sizes on ${pct(want)} of the capital (${sized})`);
        }
        continue;
      }
      if (want === 0) continue;
      if (this.o.startReal === null) {
        this.refuse(
          id,
          `${id} is at ${stage}, but this node trades no real money (LIVE_ORDERS=binance with credentials starts it)`,
        );
        continue;
      }
      const started = await this.o.startReal(id, stage === 'canary' ? 'canary' : 'live', want);
      if (typeof started === 'string') {
        this.refuse(id, started);
        continue;
      }
      this.refused.delete(id);
      this.real.set(id, started);
      this.o.log(
        `lifecycle: ${id} trades real money in ${started.runId} (${pct(want)} of the capital; ${sized})`,
      );
      if (signal) void started.run(signal);
    }
  }

  /**
   * Starts the run of the version in force to take `run`'s positions over (handOverVersions); `run` trades
   * on until it is ready. False when that is off, `run` is not trading, or the new run cannot start (then
   * `run` closes out as before, and the reason is logged).
   */
  private async handOver(
    id: string,
    run: RealRun,
    mode: 'canary' | 'live',
    want: number,
    version: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (this.o.handOverVersions !== true || this.o.startReal === null) return false;
    if (run.status().state !== 'running') return false;
    const next = await this.o.startReal(id, mode, want, run);
    if (typeof next === 'string') {
      this.o.log(`lifecycle: ${run.runId} cannot hand its positions over (${next}): it closes them instead`);
      return false;
    }
    this.real.set(id, next);
    this.handing.set(id, run);
    this.o.log(
      `lifecycle: ${run.runId} trades parameter version ${run.paramsVersion}, version ${version} is in force: ${next.runId} takes its positions over once it is ready, at no trade; until then it trades on`,
    );
    if (signal) void next.run(signal);
    return true;
  }

  /**
   * The run handing its positions over (handOver), until it has: once it has stopped it is an ended run;
   * when the run that was to take them over failed or was taken off real money before it took them, it
   * is taken off real money itself (it closes them), as it would have been without the hand-over.
   */
  private followHandOver(id: string, want: number): void {
    const old = this.handing.get(id);
    if (old === undefined) return;
    const next = this.real.get(id);
    if (old.status().state !== 'running') {
      this.handing.delete(id);
      this.ended.push(old);
      return;
    }
    const failed = next === undefined || next.status().state === 'failed';
    if (!failed && want > 0) return;
    old.retire(
      want === 0
        ? `taken off real money before its positions were handed over`
        : `the run that was to take its positions over failed: ${next?.status().error ?? ''}`,
    );
    this.handing.delete(id);
    this.ended.push(old);
    this.o.log(`lifecycle: ${old.runId} keeps its positions and closes them: the hand-over did not happen`);
  }

  /** The parameter version in force when `run` trades another, else null. */
  private async inForceFor(id: string, run: RealRun): Promise<number | null> {
    if (!this.o.versionInForce || run.paramsVersion === undefined) return null;
    const version = await this.o.versionInForce(id);
    return version === run.paramsVersion ? null : version;
  }

  private refuse(id: string, why: string): void {
    if (this.refused.get(id) === why) return;
    this.refused.set(id, why);
    this.o.log(`lifecycle: ${why}`);
  }
}

const pct = (x: number): string => `${Math.round(x * 10_000) / 100} %`;
