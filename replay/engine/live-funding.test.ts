import { afterEach, describe, expect, it } from 'vitest';
import { sharedFunding } from '../../adapters/marketdata/shared-data.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { walletBalance } from '../../domain/ledger/account.js';
import type { FundingPaidData } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { HOUR, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * Funding on a real run, against the local fake Binance: the exchange's figure (priced at its own mark,
 * to more places than the feed's reading) is what the ledger books, once, and the run's own computation
 * from the funding records books nothing, so the ledger's wallet moves exactly as the exchange's did.
 */

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const setUp = async (plan: Record<number, number> = { 1: 0.5 }) => {
  // Nine live bars: the 08:00 funding record (stamped 08:00:00.012) is reached at the 09:00 close.
  const run = await openLiveAccountRun(undefined, plan, undefined, 9);
  h = run.harness;
  const enter = run.barCloses(run.warmupEnd + 1);
  /** Hands the engine what the exchange reports until `done`, up to the bar after the last one closed. */
  let limit = enter + HOUR - 1;
  const barCloses = (i: number) => {
    limit = run.barCloses(i) + HOUR - 1;
  };
  const settleUntil = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !done(); i++) {
      await run.settle(limit);
      if (!done()) await new Promise((r) => setTimeout(r, 10));
    }
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  };
  await settleUntil(() => run.of('FillSettled').length === 1, 'the entry');
  const paid = () => run.of('FundingPaid').map((e) => e.data as FundingPaidData);
  return { ...run, enter, barCloses, settleUntil, paid };
};

describe('funding on a real run (the local fake Binance)', () => {
  it("books the exchange's figure, once; the funding records alone book nothing", async () => {
    const run = await setUp();
    const { harness, engine, settleUntil, paid, barCloses, warmupEnd } = run;
    // The run's remaining bars pass the 08:00 funding record with a position open: on an account whose
    // venue reports funding, that record only gives the rate, and nothing is computed from it.
    for (let i = warmupEnd + 2; i <= warmupEnd + 9; i++) barCloses(i);
    await run.settle(run.enter + 9 * HOUR);
    expect(paid()).toEqual([]);
    const held = harness.fake.engine.position(SYMBOL);
    expect(held > 0n).toBe(true);
    const before = walletBalance(engine.ledgerAccount);
    const charged = harness.fake.engine.chargeFunding(SYMBOL, '0.0001', '27123.45678901');
    expect(fixed(charged) < 0n).toBe(true);
    await settleUntil(() => paid().length === 1, 'the funding booking');
    const [f] = paid();
    expect(f).toMatchObject({
      symbol: SYMBOL,
      amount: charged,
      source: 'venue',
      positionQuantity: toText(held),
    });
    // The event's rate is the feed's record (BTCUSDT 2023-06-01 08:00), not something the exchange said.
    const funding = sharedFunding(SYMBOL);
    const at = funding.time.findIndex((t) => t > Date.UTC(2023, 5, 1, 8) - 1);
    expect(Number(f!.rate)).toBe(funding.rate[at]);
    expect(walletBalance(engine.ledgerAccount) - before).toBe(fixed(charged));
    expect(engine.fundingUnbooked).toEqual([]);
    const e = run.of('FundingPaid')[0]!;
    expect(e.metadata.correlationId).toBe(`funding:${SYMBOL}:${f!.fundingTime}`);
  });

  it('leaves funding it cannot book (this run holds nothing there) to the account check, saying why', async () => {
    const run = await setUp({ 1: 0.5, 2: 0 });
    const { harness, engine, settleUntil, paid, barCloses, warmupEnd } = run;
    barCloses(warmupEnd + 2);
    await settleUntil(() => run.of('FillSettled').length === 2, 'the exit');
    expect(engine.position(SYMBOL)).toBe(0);
    // A person opened the symbol by hand on the exchange; the exchange charges its funding.
    harness.fake.engine.setPosition(SYMBOL, '0.01');
    const charged = harness.fake.engine.chargeFunding(SYMBOL, '0.0001', '27000');
    await settleUntil(() => engine.fundingUnbooked.length === 1, 'the refusal');
    expect(paid()).toEqual([]);
    expect(engine.fundingUnbooked[0]).toContain(`${SYMBOL} ${charged} USDT`);
    expect(engine.fundingUnbooked[0]).toContain(`holds no ${SYMBOL} position`);
    // Recorded in the run's stream, for the reviewer and the account check.
    const records = run.of('ExchangeRecordUnbooked');
    expect(records.map((e) => e.streamId)).toEqual([`run-${engine.config.runId}`]);
    const data = records[0]!.data as { why: string };
    expect(data).toMatchObject({ record: 'funding', symbol: SYMBOL, amount: charged, unit: 'USDT' });
    expect(data.why).toContain(`holds no ${SYMBOL} position`);
  });
});
