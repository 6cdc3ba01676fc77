import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Observable } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { alertOf } from '../../projections/alerts/alert-of.js';
import type { ApiMetrics } from './metrics.js';

export const channels = ['positions', 'orders', 'pnl', 'risk', 'alerts', 'market', 'events'] as const;
export type Channel = (typeof channels)[number];

/**
 * A venue's mark price as it moves (design §11 `stream/market/<symbol>`): not an event of the log, so it
 * has no global position, and a client that resumes with `from` gets the next one, not the missed ones.
 */
export interface MarketTick {
  readonly symbol: string;
  readonly markPrice: number;
  /** The venue's time of the mark (epoch ms). */
  readonly time: number;
}

/** Which events each channel carries; `events` carries all of them. */
const channelTypes: Record<Exclude<Channel, 'events' | 'alerts'>, ReadonlySet<string>> = {
  /** The market as the log records it (a live feed's closed bars and funding); mark prices besides. */
  market: new Set(['BarClosed', 'FundingRatePublished', 'InstrumentUpdated']),
  orders: new Set([
    'OrderRequested',
    'OrderAccepted',
    'OrderRejected',
    'OrderRefused',
    'OrderTriggered',
    'OrderFilled',
    'OrderCancelled',
    'OrderExpired',
    'FillSettled',
  ]),
  positions: new Set([
    'FillSettled',
    'PositionLiquidated',
    'PositionHandedOver',
    'PositionTakenOver',
    'FundingPaid',
    'LeverageSet',
    'StopAdjusted',
    'StopStatusChanged',
  ]),
  pnl: new Set(['EquityMarked', 'FillSettled', 'FeeCharged', 'FundingPaid', 'PositionLiquidated']),
  risk: new Set([
    'RiskDecided',
    'PositionSized',
    'BreakerLevelChanged',
    'BreakerStepDownApproved',
    'RiskLimitsSet',
    'RiskLimitsApplied',
    'RiskStateCarried',
  ]),
};

/** What routing reads of an event: its type, and for `alerts` what alertOf reads. */
type Routed = Pick<RecordedEvent, 'type' | 'data' | 'streamId' | 'metadata'>;

/**
 * `alerts` carries the events the alerts feed lists (projections/alerts/alert-of.ts), judged by the same
 * function: a type alone cannot tell a scheduled re-optimisation from a KPI breach, nor our fill from the
 * exchange's liquidation.
 */
const carries = (channel: Channel, e: Routed): boolean =>
  channel === 'events' || (channel === 'alerts' ? alertOf(e) !== null : channelTypes[channel].has(e.type));

export const channelsOf = (e: Routed, wanted: readonly Channel[]): Channel[] =>
  wanted.filter((c) => carries(c, e));

export interface WsOptions {
  /** The mark prices the `market` channel carries besides the log's market events (a node fed live). */
  readonly market?: Observable<MarketTick>;
  /** Bytes a client may have unsent before it is dropped. */
  readonly maxBufferedBytes?: number;
  readonly heartbeatMs?: number;
}

const refuse = (socket: Duplex, status: string, message: string) => {
  socket.write(
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`,
  );
  socket.destroy();
};

type Subscription = {
  channels: Channel[];
  from: number | null;
  symbols: readonly string[] | null;
  strategies: readonly string[] | null;
};

/** What `symbols=` narrows: the market's messages, whose subject is one symbol. */
const symbolOf = (data: unknown): string | null => {
  const s = (data as { symbol?: unknown } | null)?.symbol;
  return typeof s === 'string' ? s : null;
};

/**
 * What `strategies=` narrows (design §11 `stream/strategy/<id>`): every other channel, to the events of
 * those strategies, by the strategy id their data carries (signals, risk decisions, orders, fills).
 */
const strategyOf = (data: unknown): string | null => {
  const s = (data as { strategyId?: unknown } | null)?.strategyId;
  return typeof s === 'string' ? s : null;
};

/** Whether the subscription's symbols and strategies let a message of `channel` through. */
const wanted = (sub: Subscription, channel: Channel, data: unknown): boolean =>
  channel === 'market'
    ? sub.symbols === null || sub.symbols.includes(symbolOf(data) ?? '')
    : sub.strategies === null || sub.strategies.includes(strategyOf(data) ?? '');

export const parseSubscription = (url: URL): Subscription | string => {
  const raw = (url.searchParams.get('channels') ?? 'events')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = raw.filter((c) => !(channels as readonly string[]).includes(c));
  if (raw.length === 0 || unknown.length)
    return `unknown channel(s) ${unknown.join(',')}; use ${channels.join(',')}`;
  const f = url.searchParams.get('from');
  if (f !== null && !/^\d{1,15}$/.test(f)) return '`from` must be a global position (an integer ≥ 0)';
  const s = url.searchParams.get('symbols');
  const symbols = s === null ? null : s.split(',').map((x) => x.trim());
  if (symbols !== null && (symbols.length === 0 || symbols.some((x) => !/^[A-Z0-9]{2,30}$/.test(x))))
    return '`symbols` must be a comma-separated list of symbols like BTCUSDT';
  const st = url.searchParams.get('strategies');
  const strategies = st === null ? null : st.split(',').map((x) => x.trim());
  if (strategies?.some((x) => !/^[A-Za-z0-9._:@-]{1,128}$/.test(x)))
    return '`strategies` must be a comma-separated list of strategy ids like ema-cross';
  return {
    channels: [...new Set(raw)] as Channel[],
    from: f === null ? null : Number(f),
    symbols,
    strategies,
  };
};

/**
 * `WS /ws?channels=…&from=<globalPosition>&symbols=…`: one log subscription per client, from `from` inclusive
 * (catch-up, then live) or from the head. Every message is `{ channel, globalPosition, data: <the event> }`;
 * the `market` channel also carries the venue's mark prices as they move (`globalPosition: null`, data
 * `{ type: 'MarkPrice', symbol, markPrice, time }`), and `symbols` narrows it to those symbols;
 * `strategies` narrows the other channels to the events of those strategies. The
 * subscription reads only as fast as it sends, and a client whose unsent bytes pass the cap is closed
 * (code 4008): the server never queues without bound for a reader that cannot keep up.
 */
export const attachWebSocket = (
  server: Server,
  store: EventStore,
  metrics: ApiMetrics,
  opts: WsOptions = {},
) => {
  const maxBuffered = opts.maxBufferedBytes ?? 1 << 20;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, '404 Not Found', 'no WebSocket here; use /ws');
    const sub = parseSubscription(url);
    if (typeof sub === 'string') return refuse(socket, '400 Bad Request', sub);
    wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, sub));
  };
  server.on('upgrade', onUpgrade);

  const serve = async (ws: WebSocket, sub: Subscription) => {
    metrics.wsClients.inc();
    const stop = new AbortController();
    let alive = true;
    const beat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, opts.heartbeatMs ?? 30_000);
    ws.on('pong', () => {
      alive = true;
    });
    // Mark prices are sent as they come; a client too slow for them is closed like one too slow for the log.
    const marks =
      opts.market && sub.channels.includes('market')
        ? opts.market.subscribe((t) => {
            if (ws.readyState !== ws.OPEN || !wanted(sub, 'market', t)) return;
            ws.send(
              JSON.stringify({ channel: 'market', globalPosition: null, data: { type: 'MarkPrice', ...t } }),
            );
            if (ws.bufferedAmount > maxBuffered) {
              metrics.wsDropped.inc();
              ws.terminate();
            }
          })
        : null;
    ws.on('close', () => {
      stop.abort();
      marks?.unsubscribe();
      clearInterval(beat);
      metrics.wsClients.dec();
    });
    // Client messages are not part of the protocol; ignore them rather than buffer them.
    ws.on('message', () => {});
    try {
      // `from` is inclusive (the first message is at or after it); the store's cursor is exclusive.
      const from = sub.from !== null ? Math.max(0, sub.from - 1) : await store.headPosition();
      for await (const e of store.subscribe({ from, signal: stop.signal })) {
        if (ws.readyState !== ws.OPEN) break;
        for (const channel of channelsOf(e, sub.channels))
          if (wanted(sub, channel, e.data)) send(ws, channel, e);
        if (ws.bufferedAmount > maxBuffered) {
          metrics.wsDropped.inc();
          ws.close(4008, 'too slow: unsent data passed the cap; reconnect with from=<last globalPosition>');
          // The close frame queues behind the unsent data; a reader that is stuck never reaches it.
          setTimeout(() => ws.terminate(), 1_000).unref();
          break;
        }
      }
    } catch {
      ws.terminate();
    }
  };

  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
};

const send = (ws: WebSocket, channel: Channel, e: RecordedEvent) => {
  ws.send(JSON.stringify({ channel, globalPosition: e.globalPosition, data: e }));
};
