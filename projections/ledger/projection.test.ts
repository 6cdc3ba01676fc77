import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { pgliteTarget, postgresTarget, type SqlTarget } from '../../adapters/testing/sql-targets.js';
import { LedgerHandlers } from '../../commands/ledger/handlers.js';
import { runSession } from '../../commands/ledger/simulate.js';
import { catalogue } from '../../domain/catalogue.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { positionKey, walletBalance } from '../../domain/ledger/account.js';
import { marginReport } from '../../domain/ledger/margin-report.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { ReadModelDb } from '../projection.js';
import { ProjectionRunner } from '../runner.js';
import {
  dumpLedgerTables,
  ledgerProjection,
  readLedgerAccount,
  readLedgerPositions,
  readMarkedAccount,
} from './projection.js';
import { LedgerReadModel } from './read-model.js';

const ctx = { instrument, rules: binanceUsdm };
const newHandlers = (store: EventStore) =>
  new LedgerHandlers({ store, instrument, rules: binanceUsdm, newEventId: uuidv7 });

/** The projection must say what the aggregates say: wallets, open positions, totals. */
const expectMatchesAggregates = async (
  h: LedgerHandlers,
  accounts: number,
  read: (stream: string) => Promise<{
    wallet: bigint | undefined;
    positions: Map<string, bigint>;
    totals: bigint[] | undefined;
    otherAssetFees: ReadonlyMap<string, { paid: bigint; worth: bigint }> | undefined;
  }>,
) => {
  for (let a = 0; a < accounts; a++) {
    const stream = h.accountStream(`sim${a}`);
    const { state } = await h.accounts.load(stream);
    const got = await read(stream);
    expect(got.wallet, stream).toBe(walletBalance(state));
    expect(got.otherAssetFees, stream).toEqual(state.otherAssetFees);
    expect(got.totals).toEqual([state.totals.realisedPnl, state.totals.fees, state.totals.funding]);
    for (const [key, p] of state.positions)
      expect(got.positions.get(key) ?? 0n, `${stream} ${key}`).toBe(p.qty);
    for (const [key, q] of got.positions)
      expect(state.positions.get(key)?.qty ?? 0n, `${stream} ${key}`).toBe(q);
  }
};

describe('ledger read model (in memory)', () => {
  it('re-derives balances and positions equal to the aggregates: both modes, cross and isolated, liquidations', async () => {
    for (const hedge of [false, true]) {
      const store = new MemoryEventStore({ catalogue: catalogue() });
      const h = newHandlers(store);
      const stats = await runSession(h, {
        seed: hedge ? 7 : 3,
        accounts: 4,
        steps: 800,
        hedge,
        deposit: '3000',
        leverage: 50,
        isolatedOddAccounts: true,
        volatility: 40,
        bnbFeeEvery: 5,
      });
      expect(stats.fills).toBeGreaterThan(300);
      expect(stats.fundings).toBeGreaterThan(10);
      expect(stats.liquidations, 'the session should reach liquidations').toBeGreaterThan(0);
      const model = new LedgerReadModel().applyAll(await store.readAll(0, 1_000_000));
      await expectMatchesAggregates(h, 4, async (stream) => {
        const acc = model.accounts.get(stream);
        return {
          wallet: acc?.walletBalance,
          totals: acc ? [acc.realisedPnl, acc.fees, acc.funding] : undefined,
          otherAssetFees: acc?.otherAssetFees,
          positions: new Map(
            [...model.positions.values()]
              .filter((p) => p.stream === stream)
              .map((p) => [positionKey(p.symbol, p.positionSide), p.quantity]),
          ),
        };
      });
      // Attribution adds up: per-position and per-strategy figures sum to the account's. The positions'
      // fees count what fees paid in BNB were worth; the account's are the wallet's.
      for (const acc of model.accounts.values()) {
        const positions = [...model.positions.values()].filter((p) => p.stream === acc.stream);
        const bnb = acc.otherAssetFees.get('BNB');
        expect(bnb?.paid ?? 0n, 'some fees were paid in BNB').toBeGreaterThan(0n);
        const offWallet = bnb?.worth ?? 0n;
        expect(positions.reduce((s, p) => s + p.realisedPnl, 0n)).toBe(acc.realisedPnl);
        expect(positions.reduce((s, p) => s + p.fees, 0n)).toBe(acc.fees + offWallet);
        expect(positions.reduce((s, p) => s + p.funding, 0n)).toBe(acc.funding);
        expect(acc.walletBalance).toBe(
          acc.deposits - acc.withdrawals + acc.realisedPnl - acc.fees + acc.funding,
        );
        // The trade list carries every trade fee; the rest of the fees are liquidation fees.
        const tradeFees = [...model.trades.values()]
          .filter((t) => t.stream === acc.stream)
          .reduce((s, t) => s + t.fee, 0n);
        const liquidated = positions.some((p) => p.liquidations > 0);
        if (liquidated) expect(tradeFees <= acc.fees + offWallet).toBe(true);
        else expect(tradeFees).toBe(acc.fees + offWallet);
      }
    }
  });
});

describe('ledger read model: a position moved between two runs’ accounts', () => {
  it('shows it in the account that took it over and no longer in the one that handed it over, per strategy too', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const h = newHandlers(store);
    const meta = {
      correlationId: 'carry',
      causationId: null,
      actor: 'system:ledger',
      mode: 'live',
      occurredAt: '2023-06-01T00:00:00.000Z',
    } as const;
    for (const id of ['run-a', 'run-b']) {
      await h.account(
        id,
        {
          kind: 'OpenAccount',
          accountId: id,
          venue: 'binance',
          marginAsset: 'USDT',
          feeTier: 'VIP0',
          positionMode: 'one-way',
        },
        meta,
      );
      await h.account(id, { kind: 'DepositFunds', transferId: `d-${id}`, amount: '10000' }, meta);
    }
    await h.account(
      'run-a',
      {
        kind: 'SettleFill',
        orderId: 'o1',
        fillSeq: 1,
        tradeId: 't1',
        strategyId: 'ema-cross',
        symbol: 'BTCUSDT',
        side: 'BUY',
        positionSide: 'BOTH',
        quantity: '0.05',
        price: '26000',
        liquidity: 'taker',
        reduceOnly: false,
      },
      meta,
    );
    const handed = await h.account(
      'run-a',
      {
        kind: 'HandOverPosition',
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        strategyId: 'ema-cross',
        toAccount: 'run-b',
      },
      meta,
    );
    const d = handed.events[0]!.data as { quantity: string; cost: string };
    await h.account(
      'run-b',
      {
        kind: 'TakeOverPosition',
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        strategyId: 'ema-cross',
        quantity: d.quantity,
        cost: d.cost,
        fromAccount: 'run-a',
      },
      meta,
    );
    const model = new LedgerReadModel().applyAll(await store.readAll(0, 1_000));
    const view = (stream: string) =>
      [...model.positions.values()].find((p) => p.stream === stream && p.symbol === 'BTCUSDT');
    expect(view(h.accountStream('run-a'))).toMatchObject({ quantity: 0n, cost: 0n, trades: 1 });
    expect(view(h.accountStream('run-b'))).toMatchObject({ quantity: 50_000_000_000_000_000n, trades: 0 });
    expect(view(h.accountStream('run-b'))!.entryPrice).toBe(26_000n * 10n ** 18n);
    const strategy = (stream: string) =>
      [...model.strategies.values()].find((s) => s.stream === stream && s.strategyId === 'ema-cross')
        ?.quantity;
    expect(strategy(h.accountStream('run-a'))).toBe(0n);
    expect(strategy(h.accountStream('run-b'))).toBe(50_000_000_000_000_000n);
    // Nothing realised, no fee for the move; each account reconciles on its own.
    for (const acc of model.accounts.values())
      expect(acc.walletBalance).toBe(
        acc.deposits - acc.withdrawals + acc.realisedPnl - acc.fees + acc.funding,
      );
    expect(model.accounts.get(h.accountStream('run-b'))!.realisedPnl).toBe(0n);
  });
});

/*
 * The read models live in SQL: PGlite, and the PostgreSQL server when DATABASE_URL is set. The log is the
 * in-memory store or the SQL store itself.
 */
const pglite = pgliteTarget;
const postgres = postgresTarget('ledger_rm');

const sqlSuite = (target: SqlTarget, logName: string, logOf: (opened: OpenedStore) => EventStore) => {
  describe(`ledger projection: log on ${logName}, read models on ${target.name}`, () => {
    let opened: OpenedStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ opened, close } = await target.open());
    });
    afterEach(async () => close());

    const readSql = (db: ReadModelDb) => async (stream: string) => {
      const acc = await readLedgerAccount(db, stream);
      const positions = await readLedgerPositions(db, stream);
      return {
        wallet: acc?.walletBalance,
        totals: acc ? [acc.realisedPnl, acc.fees, acc.funding] : undefined,
        otherAssetFees: acc?.otherAssetFees,
        positions: new Map(positions.map((p) => [positionKey(p.symbol, p.positionSide), p.quantity])),
      };
    };

    it('matches the aggregates in small batches, and a rebuild from 0 is byte-identical', async () => {
      const log = logOf(opened);
      const h = newHandlers(log);
      const stats = await runSession(h, {
        seed: 11,
        accounts: 2,
        steps: 150,
        deposit: '3000',
        leverage: 50,
        isolatedOddAccounts: true,
        volatility: 40,
        bnbFeeEvery: 4,
      });
      expect(stats.liquidations).toBeGreaterThan(0);
      expect(stats.fundings).toBeGreaterThan(0);
      const runner = new ProjectionRunner(log, opened.db, [ledgerProjection], { batchSize: 37 });
      await runner.prepare();
      await runner.catchUp('ledger');
      await expectMatchesAggregates(h, 2, readSql(opened.db));
      // The reconciliation identity holds on the stored rows too.
      for (const a of [0, 1]) {
        const acc = (await readLedgerAccount(opened.db, h.accountStream(`sim${a}`)))!;
        expect(acc.walletBalance).toBe(
          acc.deposits - acc.withdrawals + acc.realisedPnl - acc.fees + acc.funding,
        );
      }
      // Margin at the latest marks from the rows equals the aggregate's own report.
      const marks = { BTCUSDT: '30123.4', ETHUSDT: '2012.34' };
      for (const a of [0, 1]) {
        const stream = h.accountStream(`sim${a}`);
        const fromRows = await readMarkedAccount(opened.db, stream, marks, ctx);
        const fromAggregate = marginReport((await h.accounts.load(stream)).state, marks, ctx);
        expect(fromRows).toEqual(fromAggregate);
      }
      const first = JSON.stringify(await dumpLedgerTables(opened.db));
      expect(first.length).toBeGreaterThan(10_000);
      await runner.rebuild('ledger');
      expect(JSON.stringify(await dumpLedgerTables(opened.db))).toBe(first);
      // Another batch size folds to the same tables too.
      const other = new ProjectionRunner(log, opened.db, [ledgerProjection], { batchSize: 2000 });
      await other.rebuild('ledger');
      expect(JSON.stringify(await dumpLedgerTables(opened.db))).toBe(first);
    });
  });
};

sqlSuite(pglite, 'the in-memory store', () => new MemoryEventStore({ catalogue: catalogue() }));
sqlSuite(pglite, 'PGlite', (opened) => opened.store);
if (postgres) sqlSuite(postgres, 'PostgreSQL', (opened) => opened.store);

describe('ledger projection: a database from version 1', () => {
  it('gains the column for fees paid in other assets, and its rows are rebuilt with it', async () => {
    const { opened, close } = await pglite.open();
    try {
      const h = newHandlers(opened.store);
      await runSession(h, { seed: 5, accounts: 1, steps: 60, bnbFeeEvery: 2 });
      // The accounts table as version 1 made it, with rows, and its checkpoint at version 1.
      const v1 = new ProjectionRunner(opened.store, opened.db, [{ ...ledgerProjection, version: 1 }]);
      await v1.prepare();
      await v1.catchUp('ledger');
      await sql`ALTER TABLE rm_ledger_accounts DROP COLUMN fees_other_assets`.execute(opened.db);
      const runner = new ProjectionRunner(opened.store, opened.db, [ledgerProjection]);
      await runner.prepare();
      await runner.catchUp('ledger');
      const acc = (await readLedgerAccount(opened.db, h.accountStream('sim0')))!;
      const { state } = await h.accounts.load(h.accountStream('sim0'));
      expect(acc.otherAssetFees.get('BNB')?.paid).toBeGreaterThan(0n);
      expect(acc.otherAssetFees).toEqual(state.otherAssetFees);
    } finally {
      await close();
    }
  });
});
