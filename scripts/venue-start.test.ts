import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../adapters/marketdata/shared-data.js';
import { FakeBybit } from '../adapters/venue/testing/fake-bybit.js';
import { FakeOkx } from '../adapters/venue/testing/fake-okx.js';
import type { BarSeries } from '../domain/market/bars.js';
import type { FundingSeries } from '../domain/market/funding.js';
import { bucketStart } from '../domain/market/timeframe.js';
import { type RunningSystem, startSystem } from '../ui/e2e/harness.js';
import type { Lifecycle } from '../ui/src/api/lifecycle-types.js';

/**
 * `npm start` on Bybit and on OKX: PAPER_FEED=<venue> paper-trades the venue's live bars (its fake's, the
 * real 2023 bars moved to today), and LIVE_ORDERS=<venue> lets a strategy a person approved trade real
 * money on the venue's account, reconciled with its ledger as on Binance (ui/e2e/lifecycle.test.ts).
 */
const HOUR = 3_600_000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const shift = bucketStart(Date.now(), 24 * HOUR) - Date.UTC(2023, 5, 1);
const moved = (s: BarSeries): BarSeries => ({ ...s, openTime: s.openTime.map((t) => t + shift) });
const movedFunding = (f: FundingSeries): FundingSeries => ({ ...f, time: f.time.map((t) => t + shift) });
const bars = new Map(SYMBOLS.map((s) => [s, moved(sharedBars(s, '1h'))]));
const funding = new Map(SYMBOLS.map((s) => [s, movedFunding(sharedFunding(s))]));
const lenient = { minDays: 1, minTrades: 1, minSharpe: -100, maxDrawdown: 1 };

const market = {
  bars: (s: string, interval: string) => (interval === '1h' ? bars.get(s) : undefined),
  funding: (s: string) => funding.get(s),
};

/** What the test needs of a fake exchange, the same on both. */
interface Fake {
  readonly origin: string;
  readonly requests: readonly { readonly path: string }[];
  unknownRequests(): readonly unknown[];
  close(): Promise<void>;
}

const venues: {
  readonly venue: 'bybit' | 'okx';
  readonly exchange: string;
  /** The market, as the log names it. */
  readonly label: RegExp;
  readonly open: () => Promise<{ fake: Fake; env: Record<string, string> }>;
  /** The endpoint the real run sets its symbols' leverage by. */
  readonly leverage: string;
}[] = [
  {
    venue: 'bybit',
    exchange: 'Bybit',
    label: /Bybit USDT perpetuals/,
    leverage: '/v5/position/set-leverage',
    open: async () => {
      const fake = await FakeBybit.start({ balance: '1000000', market, followMarket: SYMBOLS });
      return {
        fake,
        env: { BYBIT_URL: fake.origin, BYBIT_API_KEY: fake.apiKey, BYBIT_API_SECRET: fake.secret },
      };
    },
  },
  {
    venue: 'okx',
    exchange: 'OKX',
    label: /OKX USDT-margined swaps/,
    leverage: '/api/v5/account/set-leverage',
    open: async () => {
      const fake = await FakeOkx.start({
        balance: '1000000',
        market,
        followMarket: SYMBOLS.map((s) => `${s.replace(/USDT$/, '')}-USDT-SWAP`),
      });
      return {
        fake,
        env: {
          OKX_URL: fake.origin,
          OKX_API_KEY: fake.apiKey,
          OKX_API_SECRET: fake.secret,
          OKX_API_PASSPHRASE: fake.passphrase,
        },
      };
    },
  },
];

describe.each(venues)('npm start with PAPER_FEED=$venue and LIVE_ORDERS=$venue (its fake exchange)', (v) => {
  let fake: Fake;
  let system: RunningSystem;
  beforeAll(async () => {
    const opened = await v.open();
    fake = opened.fake;
    system = await startSystem({
      PAPER_FEED: v.venue,
      PAPER_SYMBOLS: SYMBOLS.join(','),
      PAPER_FROM: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
      LIVE_ORDERS: v.venue,
      LIVE_CAPITAL: '50000',
      LIFECYCLE_GATES: JSON.stringify({ shadow: lenient, canary: lenient }),
      LIFECYCLE_EVERY_S: '1',
      LIVE_WALLET_SETTLE_S: '0',
      PERPETUA_APPROVERS: 'ana',
      HOTLIST: 'off',
      PORTFOLIO: 'off',
      ...opened.env,
    });
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    await fake?.close();
  }, 30_000);

  const read = async (): Promise<Lifecycle> => {
    const res = await fetch(`${system.url}/api/lifecycle`);
    expect(res.status).toBe(200);
    return (await res.json()) as Lifecycle;
  };

  const poll = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = await probe();
      if (got !== undefined) return got;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${system.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it('paper-trades the venue’s live bars, books them by its fees, and connects the account with its key judged', async () => {
    const status = await poll('the paper runs to trade the live bars', async () => {
      const s = (await (await fetch(`${system.url}/api/status`)).json()) as {
        paper: { runId: string; feed: string; state: string; copied: number }[];
        venue?: {
          venue: string;
          key: { refused: string | null; withdrawals: boolean; ipRestricted: boolean };
        };
      };
      return s.paper.length > 0 && s.paper.every((p) => p.state === 'running' && p.copied > 0)
        ? s
        : undefined;
    });
    for (const p of status.paper) expect(p).toMatchObject({ feed: 'live' });
    // The account's key: trades contracts from one IP, cannot withdraw (the fake's default).
    expect(status.venue).toMatchObject({
      venue: v.venue,
      key: { refused: null, withdrawals: false, ipRestricted: true },
    });
    expect(system.output()).toContain(`on ${v.exchange}'s live bars`);
    expect(system.output()).toMatch(new RegExp(`real money: ${v.label.source} account connected`));
    // The bars the runs were given are recorded as the venue's, and the runs' accounts are the venue's,
    // their fees charged by its schedule.
    const streams = async (type: string) =>
      (
        (await (await fetch(`${system.url}/api/audit/timeline?type=${type}&limit=50`)).json()) as {
          items: { streamId: string }[];
        }
      ).items.map((i) => i.streamId);
    expect((await streams('BarClosed')).every((s) => s.includes(v.venue))).toBe(true);
    const fees = await poll('a fee charged', async () => {
      const f = await streams('FeeCharged');
      return f.length > 0 ? f : undefined;
    });
    expect(fees.every((s) => s.startsWith(`account-${v.venue}:`))).toBe(true);
    // The runs trade by the venue's own listing, recorded with each (not Binance's recorded metadata), and
    // the account views margin their accounts by it.
    const starts = (
      (await (await fetch(`${system.url}/api/audit/timeline?type=RunStarted&limit=50`)).json()) as {
        items: { summary: string }[];
      }
    ).items.filter((i) => / paper /.test(i.summary));
    expect(starts.length).toBeGreaterThan(0);
    for (const i of starts) expect(i.summary).toContain(`by ${v.venue}'s listing`);
    // Each read model folds the log on its own: the ledger's may not have reached the fee the audit's showed.
    await poll('the venue’s account in the account views', async () => {
      const accounts = (await (await fetch(`${system.url}/api/accounts`)).json()) as {
        venue: string;
        walletBalance: string;
      }[];
      return accounts.some((a) => a.venue === v.venue && Number(a.walletBalance) > 0) ? true : undefined;
    });
    // Nothing ccxt asked of the fake was a path it does not serve.
    expect(fake.unknownRequests()).toEqual([]);
  }, 150_000);

  it('a strategy a person approved trades real money on the venue’s account, reconciled with its ledger', async () => {
    const id = await poll('a strategy to reach shadow', async () => {
      const first = (await read()).strategies.find((s) => s.stage === 'shadow');
      return first?.strategyId;
    });
    const before = await read();
    expect(before.realMoney).toEqual({ venue: v.venue, why: null, capital: '50000', backing: 1 });
    const approved = await fetch(`${system.url}/api/lifecycle/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perpetua-user': 'ana' },
      body: JSON.stringify({ strategyId: id, approver: 'ana', note: `${v.venue} start test` }),
    });
    expect(approved.status).toBeLessThan(300);
    const run = await poll('the canary to run on the account', async () => {
      const s = (await read()).strategies.find((x) => x.strategyId === id);
      return s?.stage === 'canary' && s.realRun?.state === 'running' ? s.realRun : undefined;
    });
    expect(run).toMatchObject({ mode: 'canary', share: 0.1, error: null });
    // The account is reconciled with the real run's ledger: its positions, and its wallet to the unit.
    const check = await poll('the account check', async () => {
      const a = (await read()).accounts.find((x) => x.venue === v.venue);
      return a?.wallet ? a : undefined;
    });
    expect(check.matched).toBe(true);
    expect(check.wallet).toMatchObject({ asset: 'USDT', unexplained: '0' });
    // The run set its symbols' leverage on the account, through the venue's own endpoint.
    expect(fake.requests.some((r) => r.path === v.leverage)).toBe(true);
    expect(fake.unknownRequests()).toEqual([]);
  }, 200_000);
});
