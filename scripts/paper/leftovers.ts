import type { EventStore } from '../../domain/events/event-store.js';
import { accountStreamId } from '../../domain/ledger/account.js';
import { type Fixed, fixed } from '../../domain/ledger/fixed.js';
import { positionAt } from '../../domain/ledger/shares.js';
import { ledgerFlows } from '../../domain/lifecycle/account-check.js';
import { readLedgerPositions } from '../../projections/ledger/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';

/** What an earlier real run left on the account, as its ledger and its orders' read model say. */
export interface RunLeftovers {
  readonly runId: string;
  /** The run's ledger account (a real run's is its run id). */
  readonly accountId: string;
  readonly strategyId: string;
  readonly mode: 'canary' | 'live';
  /** Signed quantities by symbol. */
  readonly positions: readonly { readonly symbol: string; readonly quantity: Fixed }[];
  readonly workingOrders: readonly string[];
}

/**
 * What the strategy's real runs (every strategy's, for null) left on the account as the read models hold
 * them: positions and working orders, by run.
 */
export const leftoversOf = async (
  db: ReadModelDb,
  strategyId: string | null,
  venue: string,
): Promise<RunLeftovers[]> => {
  let q = db
    .selectFrom('rm_runs')
    .select(['run_id', 'mode', 'strategy_id'])
    .where('mode', 'in', ['canary', 'live']);
  if (strategyId !== null) q = q.where('strategy_id', '=', strategyId);
  const runs = await q.execute();
  const out: RunLeftovers[] = [];
  for (const r of runs as { run_id: string; mode: 'canary' | 'live'; strategy_id: string }[]) {
    const { run_id, mode } = r;
    const positions = (await readLedgerPositions(db, accountStreamId(venue, run_id)))
      .filter((p) => p.quantity !== 0n)
      .map((p) => ({ symbol: p.symbol, quantity: p.quantity }));
    const working = await db
      .selectFrom('rm_orders')
      .select(['order_id'])
      .where('account_id', '=', run_id)
      .where('status', 'in', ['new', 'accepted', 'triggered', 'partially_filled'])
      .execute();
    const workingOrders = (working as { order_id: string }[]).map((o) => o.order_id);
    if (positions.length > 0 || workingOrders.length > 0)
      out.push({
        runId: run_id,
        accountId: run_id,
        strategyId: r.strategy_id,
        mode,
        positions,
        workingOrders,
      });
  }
  return out;
};

/** The ledger account streams of every real run (canary or prod) the read models know of, in order. */
export const realAccountStreams = async (db: ReadModelDb, venue: string): Promise<string[]> => {
  const runs = await db
    .selectFrom('rm_runs')
    .select(['run_id'])
    .where('mode', 'in', ['canary', 'live'])
    .execute();
  return (runs as { run_id: string }[]).map((r) => accountStreamId(venue, r.run_id)).sort();
};

/**
 * The money the ledgers of every real run but `driven` moved in the wallet (realised PnL − fees + funding),
 * as the read models hold them: the runs of earlier processes, for the wallet check.
 */
export const realLedgerFlows = async (
  db: ReadModelDb,
  venue: string,
  driven: ReadonlySet<string>,
): Promise<Fixed> => {
  const streams = (await realAccountStreams(db, venue)).filter(
    (s) => !driven.has(s.slice(accountStreamId(venue, '').length)),
  );
  if (streams.length === 0) return 0n;
  const rows = await db
    .selectFrom('rm_ledger_accounts')
    .select(['realised_pnl', 'fees', 'funding'])
    .where('stream', 'in', streams)
    .execute();
  let sum = 0n;
  for (const r of rows as { realised_pnl: string; fees: string; funding: string }[])
    sum += ledgerFlows({
      realisedPnl: fixed(r.realised_pnl),
      fees: fixed(r.fees),
      funding: fixed(r.funding),
    });
  return sum;
};

/**
 * Each of `streams`' position in `symbol` just before `time`, as its ledger in the main log says (zeros
 * left out): what the account's net position was made of at a funding settlement.
 */
export const realPositionsAt = async (
  store: Pick<EventStore, 'readStream'>,
  streams: readonly string[],
  symbol: string,
  time: number,
): Promise<Map<string, Fixed>> => {
  const out = new Map<string, Fixed>();
  for (const stream of streams) {
    const qty = positionAt(await store.readStream(stream), symbol, time);
    if (qty !== 0n) out.set(stream, qty);
  }
  return out;
};

/** What an earlier real run of the strategy left on the account, in words, by run. */
export const leftOnAccount = async (
  db: ReadModelDb,
  strategyId: string,
  venue: string,
): Promise<string[]> => {
  const left: string[] = [];
  for (const r of await leftoversOf(db, strategyId, venue)) {
    for (const p of r.positions)
      left.push(`${r.runId} holds ${p.symbol} ${p.quantity > 0n ? 'long' : 'short'}`);
    for (const id of r.workingOrders) left.push(`${r.runId} has order ${id} working`);
  }
  return left;
};

/**
 * The earlier real run whose positions the strategy's next run can carry on (LIVE_LEFTOVERS=carry), or
 * null when it must close them out (or has nothing to carry). It can when exactly one earlier run left
 * anything, that run is not still driven by this process, and every position it holds is in a symbol the
 * new run trades. Which of them the new run keeps is the strategy's to say, after its warm-up (Engine's
 * carry); its orders are settled by the new run just before it trades.
 */
export const carryableLeftover = async (
  strategyId: string,
  h: Pick<LeftoverHandling, 'db' | 'venueName' | 'activeHere'>,
  symbols: readonly string[],
): Promise<RunLeftovers | null> => {
  const leftovers = await leftoversOf(h.db, strategyId, h.venueName);
  if (leftovers.length !== 1) return null;
  const l = leftovers[0]!;
  if (h.activeHere().has(l.runId)) return null;
  if (l.positions.length === 0 || !l.positions.every((p) => symbols.includes(p.symbol))) return null;
  return l;
};

export interface LeftoverHandling {
  readonly db: ReadModelDb;
  readonly venueName: string;
  /** `close` closes out what a run of an earlier process left; `wait` leaves it for a person. */
  readonly policy: 'close' | 'wait';
  /** The real runs this process still drives: they book their own orders, and are waited for. */
  readonly activeHere: () => ReadonlySet<string>;
  /** Closes one run out (closeOutRun); returns what is still left. */
  readonly closeOut: (left: RunLeftovers) => Promise<string[]>;
  readonly log: (m: string) => void;
}

/**
 * Before a strategy trades real money again: null when its earlier real runs left nothing on the account;
 * otherwise why it does not start now. Under `close`, what a run of an earlier process left is closed out
 * first, and the strategy starts at a later turn, once the read models show the run clear.
 */
export const clearLeftovers = async (strategyId: string, h: LeftoverHandling): Promise<string | null> => {
  const leftovers = await leftoversOf(h.db, strategyId, h.venueName);
  if (leftovers.length === 0) return null;
  const left = await leftOnAccount(h.db, strategyId, h.venueName);
  if (h.policy === 'wait')
    return `${strategyId}'s earlier real run left ${left.join('; ')}: close them on the exchange before it trades again (LIVE_LEFTOVERS=wait)`;
  // A run of this process that was taken off real money is still closing its positions: its own engine
  // follows its orders, and the strategy waits for it to end.
  const here = h.activeHere();
  if (leftovers.some((l) => here.has(l.runId)))
    return `${strategyId}'s earlier real run is still closing what it holds (${left.join('; ')}); it trades again once that run has ended`;
  for (const l of leftovers) {
    h.log(`${strategyId}: closing out what ${l.runId} left (${left.join('; ')})`);
    const rest = await h.closeOut(l);
    if (rest.length > 0) h.log(`${strategyId}: ${l.runId} still leaves ${rest.join('; ')}`);
  }
  return `${strategyId}'s earlier real run left ${left.join('; ')}: closed out, it trades again once the books show it clear`;
};
