import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import { loadBinanceInstruments } from '../../adapters/instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../../adapters/marketdata/hotlist-inputs.js';
import { dropPgSchema } from '../../adapters/sql/pg-client.js';
import { serviceUrl, uniqueSchema } from '../../adapters/testing/services.js';
import { hotlistStreamId } from '../../domain/hotlist/events.js';
import { HotlistError } from '../../domain/hotlist/whitelist.js';
import { readHotlist } from '../../projections/hotlist/projection.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { HotlistHandlers } from './handlers.js';

const url = serviceUrl('DATABASE_URL');
const backends: [string, string | undefined][] = [['PGlite', undefined]];
if (url) backends.push(['PostgreSQL', url]);

let source: RecordedHotlistSource;
beforeAll(async () => {
  const book = await loadBinanceInstruments();
  source = new RecordedHotlistSource({
    instrument: (s) => book.all.get(s),
    listings: await binanceListings(),
  });
});

const rule = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof HotlistError) return e.rule;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe.each(backends)('hotlist on %s', (_name, databaseUrl) => {
  let opened: OpenedStore;
  let runner: ProjectionRunner;
  const schema = uniqueSchema('hot');
  beforeAll(async () => {
    opened = await openStore(databaseUrl ? { databaseUrl, schema } : { dataDir: ':memory:' });
    runner = new ProjectionRunner(opened.store, opened.db, allProjections(), { batchSize: 2 });
    await runner.prepare();
  });
  afterAll(async () => {
    await opened?.close();
    if (databaseUrl) await dropPgSchema(databaseUrl, schema);
  });

  it('scans the recorded market, takes only a person’s acknowledged approval, and the read model follows', async () => {
    const h = new HotlistHandlers(opened.store, newEventId);
    const symbols = [...RecordedHotlistSource.available(), 'NOSUCHUSDT'];
    const first = await h.scan(source, symbols, Date.parse('2023-05-07T18:00:00Z'));
    const scanned = first.events[0]!;
    if (scanned.type !== 'HotlistScanned') throw new Error('expected a scan');
    expect(scanned.data.skipped.map((s) => s.symbol)).toContain('NOSUCHUSDT');
    const pepe = scanned.data.candidates.find((c) => c.symbol === '1000PEPEUSDT')!;
    const danger = pepe.labels.filter((l) => l.severity === 'danger').map((l) => l.code);
    expect(danger).toContain('new-listing');

    const before = (await opened.store.readStream(hotlistStreamId)).length;
    const approve = (acknowledged: string[], scanId = first.scanId) =>
      h.decide(
        {
          kind: 'ApproveSymbol',
          approver: 'alice',
          symbol: '1000PEPEUSDT',
          scanId,
          acknowledged,
          note: 'test size',
        },
        Date.parse('2026-11-26T10:00:00Z'),
      );
    expect(await rule(approve([]))).toBe('unacknowledged-risk');
    expect((await opened.store.readStream(hotlistStreamId)).length).toBe(before);

    const ok = await approve(danger);
    expect(ok.events.map((e) => e.type)).toEqual(['HotlistSymbolApproved']);
    const stored = (await opened.store.readStream(hotlistStreamId)).at(-1)!;
    expect(stored.metadata.actor).toBe('user:alice');
    // The approval keeps what the page showed the approver beside the labels, read back from the store.
    expect(stored.data).toMatchObject({
      priceRange: pepe.priceRange,
      safeLeverage: pepe.safeLeverage,
      sentiment: scanned.data.sentiment,
    });
    expect((stored.data as { safeLeverage: { leverage: number } }).safeLeverage.leverage).toBe(1);
    expect((await opened.store.readStream(hotlistStreamId))[0]!.metadata.actor).toBe('system:hotlist');

    await h.decide(
      {
        kind: 'DeclineSymbol',
        approver: 'bob',
        symbol: 'BTCUSDT',
        scanId: first.scanId,
        reason: 'nothing unusual',
      },
      Date.parse('2026-11-26T10:01:00Z'),
    );
    await runner.catchUpAll();
    const view = await readHotlist(opened.db);
    expect(view.scan?.scanId).toBe(first.scanId);
    expect(view.scan?.at).toBe('2023-05-07T18:00:00.000Z');
    const status = Object.fromEntries(view.scan!.candidates.map((c) => [c.symbol, c.status]));
    expect(status['1000PEPEUSDT']).toBe('whitelisted');
    expect(status.BTCUSDT).toBe('declined');
    expect(view.whitelist).toEqual([
      {
        symbol: '1000PEPEUSDT',
        approver: 'alice',
        scanId: first.scanId,
        approvedAt: '2026-11-26T10:00:00.000Z',
        labels: pepe.labels,
        acknowledged: danger,
        note: 'test size',
      },
    ]);
    expect(view.history.map((x) => [x.kind, x.symbol, x.approver])).toEqual([
      ['declined', 'BTCUSDT', 'bob'],
      ['approved', '1000PEPEUSDT', 'alice'],
    ]);

    // A newer scan makes the older one stale and clears the declines; a removal takes the symbol off.
    const second = await h.scan(source, symbols, Date.parse('2023-05-08T18:00:00Z'));
    expect(
      await rule(
        h.decide(
          { kind: 'DeclineSymbol', approver: 'bob', symbol: 'ETHUSDT', scanId: first.scanId, reason: 'x' },
          0,
        ),
      ),
    ).toBe('stale-scan');
    expect(await rule(h.scan(source, symbols, Date.parse('2023-05-01T00:00:00Z')))).toBe('scan-out-of-order');
    await h.decide(
      { kind: 'RemoveSymbol', approver: 'alice', symbol: '1000PEPEUSDT', reason: 'listing pump faded' },
      Date.parse('2026-11-26T11:00:00Z'),
    );
    await runner.catchUpAll();
    const after = await readHotlist(opened.db);
    expect(after.scan?.scanId).toBe(second.scanId);
    expect(after.whitelist).toEqual([]);
    expect(after.scan!.candidates.every((c) => c.status === 'candidate')).toBe(true);
    expect(after.history[0]).toMatchObject({
      kind: 'removed',
      symbol: '1000PEPEUSDT',
      text: 'listing pump faded',
      scanId: null,
    });

    // Rebuilt from position 0, the read model is the same.
    await runner.rebuild('hotlist');
    expect(await readHotlist(opened.db)).toEqual(after);
  });

  it('a scan records each candidate’s price range and safe leverage and its market sentiment, and the read model carries them', async () => {
    const h = new HotlistHandlers(opened.store, newEventId);
    const d = await h.scan(source, RecordedHotlistSource.available(), Date.parse('2023-10-24T00:00:00Z'));
    const scanned = d.events[0]!;
    if (scanned.type !== 'HotlistScanned') throw new Error('expected a scan');
    const btc = scanned.data.candidates.find((c) => c.symbol === 'BTCUSDT')!;
    expect(btc.safeLeverage).toMatchObject({ leverage: 15, maintenanceRate: 0.004, maxLeverage: 125 });
    expect(btc.priceRange).toMatchObject({ low24h: 29869.4, high24h: 35981.9 });
    expect(scanned.data.sentiment).toMatchObject({ name: 'derived-fear-greed', band: 'greed' });

    await runner.catchUpAll();
    const view = await readHotlist(opened.db);
    expect(view.scan!.scanId).toBe(d.scanId);
    expect(view.scan!.sentiment).toEqual(scanned.data.sentiment);
    for (const c of scanned.data.candidates) {
      const v = view.scan!.candidates.find((x) => x.symbol === c.symbol)!;
      expect(v.priceRange).toEqual(c.priceRange);
      expect(v.safeLeverage).toEqual(c.safeLeverage);
    }
  });

  it('a scan recorded before the figures existed is still valid, and reads as null, not as made-up figures', async () => {
    const h = new HotlistHandlers(opened.store, newEventId);
    const d = await h.scan(source, ['BTCUSDT'], Date.parse('2023-10-25T00:00:00Z'));
    const scanned = d.events[0]!;
    if (scanned.type !== 'HotlistScanned') throw new Error('expected a scan');
    // The same scan as an older node wrote it: no priceRange, no safeLeverage, no sentiment.
    const { sentiment: _s, ...older } = scanned.data;
    const data = {
      ...older,
      scanId: `${d.scanId}-old`,
      at: Date.parse('2023-10-26T00:00:00Z'),
      candidates: older.candidates.map(({ priceRange: _p, safeLeverage: _l, ...c }) => c),
    };
    const stream = await opened.store.readStream(hotlistStreamId);
    await opened.store.append(hotlistStreamId, stream.length, [
      {
        eventId: newEventId(),
        type: 'HotlistScanned',
        data,
        metadata: {
          correlationId: `hotlist:${data.scanId}`,
          causationId: null,
          actor: 'system:hotlist',
          mode: 'paper',
          occurredAt: new Date(data.at).toISOString(),
        },
      },
    ]);
    await runner.catchUpAll();
    const view = await readHotlist(opened.db);
    expect(view.scan!.scanId).toBe(data.scanId);
    expect(view.scan!.sentiment).toBeNull();
    expect(view.scan!.candidates.map((c) => [c.symbol, c.priceRange, c.safeLeverage])).toEqual([
      ['BTCUSDT', null, null],
    ]);
  });
});
