import fc from 'fast-check';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { sqlTargets } from '../../adapters/testing/sql-targets.js';
import { LedgerHandlers } from '../../commands/ledger/handlers.js';
import { runSession } from '../../commands/ledger/simulate.js';
import { catalogue } from '../../domain/catalogue.js';
import { walletBalance } from '../../domain/ledger/account.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { Projection } from '../projection.js';
import { ProjectionRunner } from '../runner.js';
import { dumpLedgerTables, ledgerProjection, readLedgerAccount } from './projection.js';

/**
 * The SQL ledger projection dies in the middle of a batch (after its writes, before the commit) at any
 * point of any session, with any batch size; a restarted runner carries on from its checkpoint. The
 * tables must then be byte for byte what a rebuild from 0 gives, and the balances what the aggregates
 * hold: a crash can cost time, never a booking.
 */

const RUNS = Number(process.env.LEDGER_PROJECTION_CRASH_RUNS ?? 5);

class Injected extends Error {}

/** The ledger projection, failing once the batch it applies holds the `failAt`-th event of the log. */
const failingAt = (failAt: number): Projection => ({
  ...ledgerProjection,
  async apply(tx, events) {
    await ledgerProjection.apply(tx, events);
    if (events.some((e) => e.globalPosition >= failAt)) throw new Injected(`injected at ${failAt}`);
  },
});

for (const target of sqlTargets('ledger_crash')) {
  describe(`ledger projection on ${target.name}, killed mid-batch anywhere`, () => {
    let opened: OpenedStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ opened, close } = await target.open());
    });
    afterAll(async () => close());

    it('restarts from its checkpoint to the tables a rebuild gives, and the aggregates’ balances', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 80 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (seed, batchSize, where) => {
            // The session's log in memory; the read models in the SQL store, rebuilt for each session.
            const log = new MemoryEventStore({ catalogue: catalogue() });
            const h = new LedgerHandlers({ store: log, instrument, rules: binanceUsdm, newEventId: uuidv7 });
            await runSession(h, {
              seed,
              accounts: 2,
              steps: 60,
              deposit: '3000',
              leverage: 50,
              isolatedOddAccounts: true,
              volatility: 40,
            });
            // Somewhere among the events the projection reads (it is handed no others).
            const read = new Set(ledgerProjection.types);
            const positions = log
              .raw()
              .filter((e) => read.has(e.type))
              .map((e) => e.globalPosition);
            const failAt = positions[Math.min(positions.length - 1, Math.floor(where * positions.length))]!;
            const failing = new ProjectionRunner(log, opened.db, [failingAt(failAt)], { batchSize });
            await failing.prepare();
            await expect(failing.rebuild('ledger')).rejects.toThrow(Injected);
            const restarted = new ProjectionRunner(log, opened.db, [ledgerProjection], { batchSize });
            await restarted.prepare();
            await restarted.catchUp('ledger');
            const afterCrash = JSON.stringify(await dumpLedgerTables(opened.db));
            for (let a = 0; a < 2; a++) {
              const stream = h.accountStream(`sim${a}`);
              const account = await readLedgerAccount(opened.db, stream);
              const { state } = await h.accounts.load(stream);
              expect(account?.walletBalance, stream).toBe(walletBalance(state));
              expect(account?.realisedPnl).toBe(state.totals.realisedPnl);
              expect(account?.fees).toBe(state.totals.fees);
              expect(account?.funding).toBe(state.totals.funding);
            }
            await restarted.rebuild('ledger');
            expect(JSON.stringify(await dumpLedgerTables(opened.db))).toBe(afterCrash);
          },
        ),
        { numRuns: RUNS },
      );
    }, 300_000);
  });
}
