import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotlistHandlers } from '../../commands/hotlist/handlers.js';
import { newEventId } from '../ids/event-id.js';
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../marketdata/hotlist-inputs.js';
import { hotlistView } from './hotlist-routes.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

let t: Awaited<ReturnType<typeof testApp>>;
let approvers: readonly string[] | null = null;
let handlers: HotlistHandlers;
let source: RecordedHotlistSource;

beforeAll(async () => {
  t = await testApp([], {
    approvers: () => approvers,
    universe: { configured: ['BTCUSDT', 'ETHUSDT'], trading: () => ['BTCUSDT', 'ETHUSDT', 'SUIUSDT'] },
  });
  handlers = new HotlistHandlers(t.store, newEventId);
  const book = await loadBinanceInstruments();
  source = new RecordedHotlistSource({
    instrument: (x) => book.all.get(x),
    listings: await binanceListings(),
  });
}, 120_000);
afterAll(async () => t?.close());

const get = async () => {
  await t.runner.catchUpAll();
  const res = await t.app.request('/api/hotlist');
  expect(res.status).toBe(200);
  return hotlistView.parse(await res.json());
};
const post = async (path: string, body: unknown, user?: string) => {
  const res = await t.app.request(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const expectError = (r: { status: number; body: unknown }, status: number, code?: string) => {
  expect(r.status).toBe(status);
  const e = s.errorBody.parse(r.body);
  if (code) expect(e.error.code).toBe(code);
  return e.error.message;
};

describe('hotlist routes', () => {
  it('GET /api/hotlist before any scan: no scan, an empty whitelist, and the configured and traded symbols', async () => {
    const v = await get();
    expect(v).toEqual({
      scan: null,
      whitelist: [],
      configured: ['BTCUSDT', 'ETHUSDT'],
      trading: ['BTCUSDT', 'ETHUSDT', 'SUIUSDT'],
      history: [],
    });
  });

  it('approve: refused without approvers, for another user, without the danger labels; then recorded', async () => {
    await handlers.scan(source, RecordedHotlistSource.available(), Date.parse('2023-05-07T18:00:00Z'));
    const v = await get();
    const scan = v.scan!;
    expect(scan.source).toBe('recorded');
    const pepe = scan.candidates.find((c) => c.symbol === '1000PEPEUSDT')!;
    const danger = pepe.labels.filter((l) => l.severity === 'danger').map((l) => l.code);
    expect(danger.length).toBeGreaterThan(0);
    const body = { symbol: '1000PEPEUSDT', scanId: scan.scanId, approver: 'alice', acknowledged: danger };

    approvers = null;
    expect(
      expectError(await post('/api/hotlist/approve', body, 'alice'), 403, 'approvals_disabled'),
    ).toContain('PERPETUA_APPROVERS');
    approvers = ['alice'];
    expectError(await post('/api/hotlist/approve', body), 403, 'forbidden');
    expectError(await post('/api/hotlist/approve', body, 'mallory'), 403, 'forbidden');
    expectError(await post('/api/hotlist/approve', { ...body, approver: 'bob' }, 'alice'), 403, 'forbidden');
    expect(
      expectError(
        await post('/api/hotlist/approve', { ...body, acknowledged: [] }, 'alice'),
        422,
        'unacknowledged-risk',
      ),
    ).toContain('new-listing');
    expectError(
      await post('/api/hotlist/approve', { ...body, symbol: 'btcusdt' }, 'alice'),
      400,
      'invalid_request',
    );
    expectError(await post('/api/hotlist/approve', '{"symbol":', 'alice'), 400);
    expectError(
      await post('/api/hotlist/approve', { ...body, scanId: 'scan-old' }, 'alice'),
      422,
      'stale-scan',
    );

    expectError(
      await post('/api/hotlist/approve', { ...body, symbol: 'BTCUSDT', acknowledged: [] }, 'alice'),
      422,
      'configured',
    );
    expectError(
      await post('/api/hotlist/approve', { ...body, symbol: 'BTCUSDT', acknowledged: [] }, 'mallory'),
      403,
    );
    const ok = await post('/api/hotlist/approve', { ...body, note: 'half size' }, 'alice');
    expect(ok).toEqual({ status: 200, body: { symbol: '1000PEPEUSDT', event: 'HotlistSymbolApproved' } });
    expectError(await post('/api/hotlist/approve', body, 'alice'), 422, 'already-whitelisted');

    const after = await get();
    expect(after.whitelist.map((w) => [w.symbol, w.approver, w.note, w.acknowledged])).toEqual([
      ['1000PEPEUSDT', 'alice', 'half size', danger],
    ]);
    expect(after.scan!.candidates.find((c) => c.symbol === '1000PEPEUSDT')!.status).toBe('whitelisted');
  });

  it('decline needs a reason; remove takes a symbol off; both are in the history', async () => {
    approvers = ['alice', 'bob'];
    const scanId = (await get()).scan!.scanId;
    expectError(
      await post('/api/hotlist/decline', { symbol: 'ETHUSDT', scanId, approver: 'bob', reason: ' ' }, 'bob'),
      400,
    );
    expect(
      (
        await post(
          '/api/hotlist/decline',
          { symbol: 'ETHUSDT', scanId, approver: 'bob', reason: 'no edge' },
          'bob',
        )
      ).status,
    ).toBe(200);
    expectError(
      await post('/api/hotlist/remove', { symbol: 'BTCUSDT', approver: 'bob', reason: 'x' }, 'bob'),
      422,
      'not-whitelisted',
    );
    expect(
      (await post('/api/hotlist/remove', { symbol: '1000PEPEUSDT', approver: 'bob', reason: 'faded' }, 'bob'))
        .status,
    ).toBe(200);
    const v = await get();
    expect(v.whitelist).toEqual([]);
    expect(v.history.map((h) => [h.kind, h.symbol, h.approver, h.text])).toEqual([
      ['removed', '1000PEPEUSDT', 'bob', 'faded'],
      ['declined', 'ETHUSDT', 'bob', 'no edge'],
      ['approved', '1000PEPEUSDT', 'alice', 'half size'],
    ]);
    expect(v.scan!.candidates.find((c) => c.symbol === 'ETHUSDT')!.status).toBe('declined');
  });

  it('a decision answers once the read model has it: the next read shows it with no catch-up of its own', async () => {
    approvers = ['alice'];
    const before = await get();
    const c = before.scan!.candidates.find(
      (x) => x.status === 'candidate' && !before.configured.includes(x.symbol),
    )!;
    // The node's runner follows the log in the background, a poll behind it.
    const following = new AbortController();
    const loop = t.runner.run(following.signal);
    try {
      const r = await post(
        '/api/hotlist/decline',
        { symbol: c.symbol, scanId: before.scan!.scanId, approver: 'alice', reason: 'later' },
        'alice',
      );
      expect(r.status).toBe(200);
      const res = await t.app.request('/api/hotlist');
      const v = hotlistView.parse(await res.json());
      expect(v.scan!.candidates.find((x) => x.symbol === c.symbol)!.status).toBe('declined');
    } finally {
      following.abort();
      await loop;
    }
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const p of ['/api/hotlist', '/api/hotlist/approve', '/api/hotlist/decline', '/api/hotlist/remove'])
      expect(doc.paths[p]).toBeDefined();
    // The response documents the new figures, and says the sentiment is derived, not the published index.
    const get = JSON.stringify(doc.paths['/api/hotlist']);
    for (const field of ['priceRange', 'expected1', 'safeLeverage', 'severeMove', 'sentiment', 'components'])
      expect(get).toContain(`"${field}"`);
    expect(get).toContain('not the alternative.me Crypto Fear & Greed Index');
  });

  it('GET /api/hotlist: each candidate’s price range and safe leverage, and the scan’s market sentiment', async () => {
    // The latest scan is the one of 2023-05-07 18:00 recorded above.
    const scan = (await get()).scan!;
    const lev = Object.fromEntries(scan.candidates.map((c) => [c.symbol, c.safeLeverage?.leverage]));
    expect(lev).toEqual({ '1000PEPEUSDT': 1, LTCUSDT: 9, SUIUSDT: 3, BTCUSDT: 12, ETHUSDT: 10 });
    const btc = scan.candidates.find((c) => c.symbol === 'BTCUSDT')!;
    expect(btc.priceRange!.expected1.low).toBeLessThan(btc.lastPrice);
    expect(btc.priceRange!.expected1.high).toBeGreaterThan(btc.lastPrice);
    expect(btc.priceRange!.detail).toContain('hourly log returns');
    expect(btc.safeLeverage).toMatchObject({ maintenanceRate: 0.004, maxLeverage: 125, bracketCap: 50_000 });
    const s = scan.sentiment!;
    expect(s).toMatchObject({ name: 'derived-fear-greed', band: 'greed' });
    expect(s.value).toBeCloseTo(56.16, 2);
    expect(s.basis).toContain('not the alternative.me Crypto Fear & Greed Index');
    expect(s.components.map((c) => c.name)).toEqual(['momentum', 'volatility', 'funding', 'volume']);
  });
});
