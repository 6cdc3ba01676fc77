import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sharedBars, sharedFunding } from '../adapters/marketdata/shared-data.js';
import { FakeBinance } from '../adapters/venue/testing/fake-binance.js';
import { type RunningSystem, startSystem } from '../ui/e2e/harness.js';

/**
 * `npm start` with LIVE_ORDERS=binance on an API key that can withdraw (design §15, least privilege):
 * the node paper-trades the exchange's bars but trades no real money, and says why where a trader looks.
 */
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));

let fake: FakeBinance | null = null;
let system: RunningSystem | null = null;
afterEach(async () => {
  await system?.stop();
  await fake?.close();
  system = null;
  fake = null;
});

const startOn = async (restrictions: Record<string, boolean>, env: Record<string, string> = {}) => {
  fake = await FakeBinance.start({
    apiKeyRestrictions: restrictions,
    market: {
      bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
      funding: (s) => funding.get(s),
    },
  });
  system = await startSystem({
    PAPER_FEED: 'binance',
    PAPER_SYMBOLS: SYMBOLS.join(','),
    PAPER_FROM: '2023-12-20',
    BINANCE_FUTURES_URL: fake.origin,
    LIVE_ORDERS: 'binance',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.secret,
    HOTLIST: 'off',
    PORTFOLIO: 'off',
    ...env,
  });
  const res = await fetch(`${system.url}/api/lifecycle`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { realMoney: { venue: string | null; why: string | null } }).realMoney;
};

describe("npm start judges the Binance API key's permissions before trading real money", () => {
  it('refuses a key that can withdraw, and says why on the lifecycle API and in the log', async () => {
    const realMoney = await startOn({ enableWithdrawals: true, ipRestrict: false });
    expect(realMoney.venue).toBeNull();
    expect(realMoney.why).toMatch(/^the Binance API key is refused: the API key can withdraw/);
    expect(system!.output()).toMatch(/real money: the API key works from any IP/);
    expect(system!.output()).toMatch(/real money: refused: the API key can withdraw/);
    const status = (await (await fetch(`${system!.url}/api/status`)).json()) as {
      venue: { key: { withdrawals: boolean; ipRestricted: boolean; refused: string | null } };
    };
    expect(status.venue.key).toMatchObject({ withdrawals: true, ipRestricted: false });
    expect(status.venue.key.refused).toMatch(/^the API key can withdraw/);
  }, 120_000);

  it('trades with it when the desk says LIVE_KEY_WITHDRAWALS=allow, and says so', async () => {
    const realMoney = await startOn({ enableWithdrawals: true }, { LIVE_KEY_WITHDRAWALS: 'allow' });
    expect(realMoney).toMatchObject({ venue: 'binance', why: null });
    expect(system!.output()).toMatch(/real money: the API key can withdraw, and LIVE_KEY_WITHDRAWALS=allow/);
    // Fed live, the WebSocket's market channel carries the venue's marks as they move (design §11).
    const ws = new WebSocket(`${system!.url.replace(/^http/, 'ws')}/ws?channels=market&symbols=ETHUSDT`);
    const mark = await new Promise<{
      channel: string;
      data: { type: string; symbol: string; markPrice: number };
    }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no mark price within 20 s')), 20_000);
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as {
          channel: string;
          data: { type: string; symbol: string; markPrice: number };
        };
        if (m.data.type !== 'MarkPrice') return;
        clearTimeout(timer);
        resolve(m);
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(mark).toMatchObject({ channel: 'market', data: { type: 'MarkPrice', symbol: 'ETHUSDT' } });
    expect(mark.data.markPrice).toBeGreaterThan(0);
  }, 120_000);
});
