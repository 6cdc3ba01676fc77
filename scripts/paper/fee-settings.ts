import type { RunInputs } from '../../domain/backtest/events.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { parseFeeRates } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';

/** An account's own commission rates, decimal text: a negative maker rate is a rebate tier's. */
export interface FeeRates {
  readonly maker: string;
  readonly taker: string;
}

/**
 * PAPER_FEE_RATES=maker,taker: the rates the node's paper runs book their fills at, in place of the venue's
 * entry tier, so that paper results (which the lifecycle's gates and the portfolio judge) cost what the
 * account's trading will (a VIP tier, or a rebate tier that pays its makers). Unset: the tier's. Throws
 * RangeError naming what is wrong, with the ledger's own rule for what it would refuse.
 */
export const paperFeeRates = (text: string | undefined): FeeRates | null => {
  if (text === undefined || text.trim() === '') return null;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m)
    throw new RangeError(
      `PAPER_FEE_RATES must be maker,taker as decimal fractions (-0.00005,0.0003), got ${text}`,
    );
  try {
    parseFeeRates('the', m[1]!, m[2]!);
  } catch (err) {
    if (!(err instanceof LedgerRuleError)) throw err;
    throw new RangeError(`PAPER_FEE_RATES: ${err.message.slice(err.rule.length + 2)}`);
  }
  return { maker: m[1]!, taker: m[2]! };
};

/**
 * The rates a paper run books by: those its RunStarted recorded when it has started before (a restart
 * replays the run and must write the same log, so a changed PAPER_FEE_RATES reaches the runs that start
 * after it), else `wanted`. Null: the venue's tier.
 */
export const runFeeRates = async (
  store: Pick<EventStore, 'readStream'>,
  runId: string,
  wanted: FeeRates | null,
): Promise<FeeRates | null> => {
  const [started] = await store.readStream(`run-${runId}`, { limit: 1 });
  if (started?.type !== 'RunStarted') return wanted;
  const recorded = (started.data as RunInputs).config.feeRates as FeeRates | undefined;
  return recorded ?? null;
};
