import net from 'node:net';
import { Subject } from 'rxjs';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { paperRunEvents } from '../../projections/testing/paper-fixture.js';
import { MemoryEventStore } from '../eventstore/memory-event-store.js';
import { ApiMetrics } from './metrics.js';
import { listen, type RunningServer } from './server.js';
import { testApp } from './testing.js';
import { channelsOf, type MarketTick } from './ws.js';

interface Message {
  channel: string;
  globalPosition: number;
  data: { type: string; eventId: string };
}

let events: readonly StoredEvent[] = [];
let t: Awaited<ReturnType<typeof testApp>>;
let srv: RunningServer;

beforeAll(async () => {
  events = await paperRunEvents('ema-cross', 'paper-ws-test', '2023-06-10');
  t = await testApp(events);
  srv = await listen(t.app, { port: 0, hostname: '127.0.0.1', store: t.store, metrics: t.metrics });
});
afterAll(async () => {
  await srv?.close();
  await t?.close();
});

const open = (server: RunningServer, query: string) =>
  new WebSocket(`ws://127.0.0.1:${server.port}/ws?${query}`);

/** Collects messages until `until` says stop (or times out). */
const collect = (ws: WebSocket, until: (ms: Message[]) => boolean, ms = 10_000): Promise<Message[]> =>
  new Promise((resolve, reject) => {
    const got: Message[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out with ${got.length} messages`)), ms);
    ws.on('message', (raw) => {
      got.push(JSON.parse(String(raw)) as Message);
      if (until(got)) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    ws.on('error', reject);
  });

const bulk = Array.from({ length: 400 }, (_, i) => `migration-${i}-${'x'.repeat(16)}`);
const nodeEvent = () => ({
  eventId: uuidv7(),
  type: 'NodeStarted',
  data: { nodeId: 'ws-test', version: 'test', store: 'pglite', migrations: [] },
  metadata: {
    correlationId: 'node-ws-test',
    causationId: null,
    actor: 'system:node',
    mode: 'paper' as const,
    occurredAt: new Date().toISOString(),
  },
});

const fill = () => ({
  orderId: 'o-1',
  fillSeq: 1,
  tradeId: 't-1',
  strategyId: null,
  symbol: 'BTCUSDT',
  side: 'SELL',
  positionSide: 'BOTH',
  marginType: 'cross',
  leverage: 5,
  quantity: '0.010',
  price: '25000',
  liquidity: 'taker',
  realisedPnl: '-1',
  isolatedMarginDelta: '0',
  positionQuantity: '0',
  entryPrice: '0',
});
const reopt = (kind: 'schedule' | 'kpi') => ({
  ...nodeEvent(),
  type: 'ReoptimizationRequested',
  data: {
    strategyId: 'ema-cross',
    requestId: uuidv7(),
    trigger:
      kind === 'schedule'
        ? { kind, cron: '0 0 * * 0', dueAt: 0 }
        : {
            kind,
            window: 168,
            checks: [{ kpi: 'rollingSharpe', value: -1, comparator: '>=', threshold: 0.5, breached: true }],
          },
  },
});

describe('WS /ws', () => {
  it('routes events to channels: by type, and to alerts by what the alerts feed would list', () => {
    const routed = (type: string, data: unknown = {}, streamId = 'some-stream') => ({
      type,
      data,
      streamId,
      metadata: { ...nodeEvent().metadata, recordedAt: '' },
    });
    const all = ['orders', 'positions', 'pnl', 'risk', 'alerts', 'events'] as const;
    expect(channelsOf(routed('FillSettled', fill()), all)).toEqual(['orders', 'positions', 'pnl', 'events']);
    expect(channelsOf(routed('RiskDecided'), ['orders', 'risk'])).toEqual(['risk']);
    expect(channelsOf(routed('NodeStarted'), ['orders', 'alerts'])).toEqual([]);
    // A desk limit change (news for every trader) and a run taking it: the risk screen re-reads on either.
    const change = { changeId: 'c1', scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 } };
    expect(
      channelsOf(routed('RiskLimitsSet', { ...change, approver: 'user:alice', reason: 'BTC at 3x' }), all),
    ).toEqual(['risk', 'alerts', 'events']);
    expect(channelsOf(routed('RiskLimitsApplied', { ...change, seq: 12 }, 'run-paper-x'), all)).toEqual([
      'risk',
      'events',
    ]);
    expect(
      channelsOf(routed('FillSettled', { ...fill(), forced: 'liquidation' }, 'account-b:a'), all),
    ).toEqual(['orders', 'positions', 'pnl', 'alerts', 'events']);
    expect(channelsOf(routed('ReoptimizationRequested', reopt('schedule').data), all)).toEqual(['events']);
    expect(channelsOf(routed('ReoptimizationRequested', reopt('kpi').data), all)).toEqual([
      'alerts',
      'events',
    ]);
  });

  it('the alerts channel sends a KPI breach and holds back a scheduled request', async () => {
    const ws = open(srv, 'channels=alerts');
    await new Promise((r) => ws.once('open', r));
    // The subscription starts at the head when the connection is served; give it that moment.
    await new Promise((r) => setTimeout(r, 100));
    const got: Message[] = [];
    ws.on('message', (raw) => got.push(JSON.parse(String(raw)) as Message));
    const routine = reopt('schedule');
    const breach = reopt('kpi');
    await t.store.append('reoptimization-ema-cross', 'any', [routine, breach]);
    await expect.poll(() => got.length).toBeGreaterThan(0);
    // Long enough for a message about the scheduled request, written first, to have come too.
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => [m.channel, m.data.eventId])).toEqual([['alerts', breach.eventId]]);
    ws.close();
  });

  it('a live subscriber sees a new event arrive', async () => {
    const ws = open(srv, 'channels=events');
    await new Promise((r) => ws.once('open', r));
    // The subscription starts at the head when the connection is served; give it that moment.
    await new Promise((r) => setTimeout(r, 100));
    const arrived = collect(ws, (ms) => ms.some((m) => m.data.type === 'NodeStarted'));
    const e = nodeEvent();
    await t.store.append('node-ws-test', 'any', [e]);
    const got = await arrived;
    const m = got.find((x) => x.data.type === 'NodeStarted')!;
    expect(m.channel).toBe('events');
    expect(m.data.eventId).toBe(e.eventId);
    ws.close();
  });

  it('resumes from a global position (inclusive) and keeps log order; channels filter', async () => {
    const from = 10;
    const ws = open(srv, `channels=events&from=${from}`);
    const got = await collect(ws, (ms) => ms.length >= 20);
    expect(got.map((m) => m.globalPosition)).toEqual(Array.from({ length: got.length }, (_, i) => from + i));
    expect(got[0]!.data.eventId).toBe(events[from - 1]!.eventId);
    ws.close();

    const orders = open(srv, 'channels=orders&from=1');
    const o = await collect(orders, (ms) => ms.length >= 5);
    expect(o.every((m) => m.channel === 'orders' && /^Order|^FillSettled$/.test(m.data.type))).toBe(true);
    orders.close();
  });

  it('drops a client that stops reading instead of buffering for it', async () => {
    // ~12 MB of events: more than the kernel's socket buffers hold, so unsent bytes pile up in ws.
    const big = new MemoryEventStore({ catalogue: catalogue() });
    for (let i = 0; i < 60; i++) {
      await big.append(
        'node-big',
        'any',
        Array.from({ length: 20 }, () => ({
          ...nodeEvent(),
          data: { ...nodeEvent().data, migrations: bulk },
        })),
      );
    }
    const metrics = new ApiMetrics();
    const slow = await listen(t.app, {
      port: 0,
      hostname: '127.0.0.1',
      store: big,
      metrics,
      ws: { maxBufferedBytes: 256 * 1024 },
    });
    const socket = net.connect(slow.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      'GET /ws?channels=events&from=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    socket.pause(); // a client that never reads again
    const deadline = Date.now() + 20_000;
    let dropped = '';
    while (Date.now() < deadline) {
      dropped = await metrics.registry.getSingleMetricAsString('perpetua_ws_dropped_total');
      if (/perpetua_ws_dropped_total 1/.test(dropped)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(dropped).toMatch(/perpetua_ws_dropped_total 1/);
    socket.destroy();
    await slow.close();
  });

  it("the market channel carries the venue's marks as they move and the log's closed bars, for the symbols asked", async () => {
    const marks = new Subject<MarketTick>();
    const market = await listen(t.app, {
      port: 0,
      hostname: '127.0.0.1',
      store: t.store,
      metrics: new ApiMetrics(),
      ws: { market: marks },
    });
    const ws = open(market, 'channels=market&symbols=BTCUSDT');
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 100));
    const arrived = collect(ws, (ms) => ms.length >= 2);
    marks.next({ symbol: 'ETHUSDT', markPrice: 1_900.5, time: 1 });
    marks.next({ symbol: 'BTCUSDT', markPrice: 30_000.1, time: 2 });
    const bar = (symbol: string) => ({
      ...nodeEvent(),
      type: 'BarClosed',
      data: {
        venue: 'binance',
        symbol,
        timeframe: '1h',
        openTime: 0,
        open: 1,
        high: 2,
        low: 1,
        close: 2,
        volume: 3,
      },
    });
    await t.store.append('market-binance-ETHUSDT-1h', 'any', [bar('ETHUSDT')]);
    const btc = bar('BTCUSDT');
    await t.store.append('market-binance-BTCUSDT-1h', 'any', [btc]);
    const got = (await arrived) as unknown as {
      channel: string;
      globalPosition: number | null;
      data: Record<string, unknown>;
    }[];
    expect(got[0]).toEqual({
      channel: 'market',
      globalPosition: null,
      data: { type: 'MarkPrice', symbol: 'BTCUSDT', markPrice: 30_000.1, time: 2 },
    });
    expect(got[1]).toMatchObject({ channel: 'market', data: { type: 'BarClosed', eventId: btc.eventId } });
    expect(got).toHaveLength(2);
    ws.close();
    await market.close();
    // Closed clients let go of the marks.
    expect(marks.observed).toBe(false);
  });

  it("narrows the log's channels to one strategy's events: its signals, risk decisions, orders and fills", async () => {
    const ws = open(srv, 'channels=events&from=1&strategies=ema-cross');
    const got = (await collect(ws, (ms) => ms.length >= 30)) as unknown as {
      globalPosition: number;
      data: { type: string; data: { strategyId?: unknown } };
    }[];
    ws.close();
    expect(got.every((m) => m.data.data.strategyId === 'ema-cross')).toBe(true);
    expect(new Set(got.map((m) => m.data.type))).toContain('SignalEmitted');
    // The run's other events (equity marks, its start) carry no strategy id and are left out.
    const inLog = events.slice(0, got.at(-1)!.globalPosition).filter((e) => {
      const s = (e.data as { strategyId?: unknown }).strategyId;
      return s === 'ema-cross';
    });
    expect(got.map((m) => m.globalPosition)).toHaveLength(inLog.length);
    expect(inLog.length).toBeLessThan(got.at(-1)!.globalPosition);
  });

  it('refuses unknown channels, bad positions, symbols and strategies with 400 before upgrading', async () => {
    for (const q of [
      'channels=prices',
      'channels=events&from=-1',
      'channels=events&from=abc',
      'channels=market&symbols=btc-usdt',
      'channels=market&symbols=',
      'channels=events&strategies=ema cross',
    ]) {
      const ws = open(srv, q);
      const status = await new Promise<number>((resolve) =>
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
      );
      ws.on('error', () => {});
      expect(status, q).toBe(400);
    }
  });
});
