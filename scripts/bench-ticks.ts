import os from 'node:os';
import { sharedTickData } from '../adapters/marketdata/tick-data.js';
import { tickScale } from '../domain/sim/scale.js';
import { TickVenue } from '../replay/tick/tick-venue.js';

/**
 * npm run bench:ticks — the tick-level simulated venue over the shared BTCUSDT capture (six minutes of
 * trades and diff-depth rows). Six minutes is ~0.47M events, so each mode replays the whole capture
 * many times (a fresh venue from the snapshot each pass) to reach a few million events. Two modes,
 * alternated round by round so both see the same load on this shared machine:
 *   book-only   — snapshot + Binance sync + every depth row applied, every trade read;
 *   book+queue  — the same with a quoter keeping a bid at the best bid and an ask at the best ask
 *                 (0.05 BTC, re-quoted every 250 ms of data time when filled, cancelled after 5 s),
 *                 with seeded submit/ack/cancel latency, so every print and every depth row also runs
 *                 the queue model against the resting orders.
 * An event is one trade or one applied depth row (a level change). Loading and parsing are outside the
 * timing. The last line of output is one JSON object with the figures and the ratio to the target.
 */
const TARGET = 1_500_000;
const ROUNDS = 5;
const PASSES_PER_ROUND = 4;
const QUOTE_EVERY_MS = 250;
const QUOTE_TTL_MS = 5_000;
const QUOTE_QTY = 0.05;

const scale = tickScale('0.10', '0.001');
const t0 = performance.now();
const data = sharedTickData('BTCUSDT', scale);
const loadMs = performance.now() - t0;
const feeds = { trades: data.trades, snapshot: data.snapshot, depth: data.depth };
const latency = {
  submit: { baseMs: 5, jitterMs: 3 },
  ack: { baseMs: 5, jitterMs: 3 },
  cancel: { baseMs: 5, jitterMs: 3 },
};

interface PassResult {
  events: number;
  /** Trades + applied depth messages: the count per wire message rather than per level change. */
  messages: number;
  ms: number;
  /** User + system CPU of this process during the pass: less sensitive than wall time to other jobs on the box. */
  cpuMs: number;
  fills: number;
  orders: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

const bookOnly = (): PassResult => {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const v = new TickVenue(feeds, { symbol: 'BTCUSDT', scale, seed: 1 });
  v.advanceTo(Number.POSITIVE_INFINITY);
  const ms = performance.now() - start;
  return {
    events: v.counts.trades + v.counts.depthRows,
    messages: v.counts.trades + v.counts.depthMessages,
    ms,
    cpuMs: cpuMs(cpu0),
    fills: 0,
    orders: 0,
  };
};

const withQuotes = (seed: number): PassResult => {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const v = new TickVenue(feeds, { symbol: 'BTCUSDT', scale, seed, latency });
  const open = new Map<string, number>();
  let bid: string | null = null;
  let ask: string | null = null;
  let fills = 0;
  let orders = 0;
  let t = v.nextEventTime();
  while (!v.exhausted) {
    v.advanceTo(t);
    for (const r of v.drainReports()) {
      if (r.kind === 'fill') fills++;
      const done =
        (r.kind === 'fill' && r.leavesQty === 0) || r.kind === 'cancelled' || r.kind === 'rejected';
      if (!done) continue;
      open.delete(r.orderId);
      if (r.orderId === bid) bid = null;
      if (r.orderId === ask) ask = null;
    }
    if (v.book.synced) {
      if (bid === null) {
        bid = v.placeLimit({ side: 'BUY', price: v.bestBid(), qty: QUOTE_QTY }, t);
        open.set(bid, t);
        orders++;
      }
      if (ask === null) {
        ask = v.placeLimit({ side: 'SELL', price: v.bestAsk(), qty: QUOTE_QTY }, t);
        open.set(ask, t);
        orders++;
      }
      for (const [id, placed] of open) {
        if (t - placed < QUOTE_TTL_MS) continue;
        v.cancel(id, t);
        open.set(id, Number.POSITIVE_INFINITY);
      }
    }
    t += QUOTE_EVERY_MS;
  }
  v.advanceTo(Number.POSITIVE_INFINITY);
  for (const r of v.drainReports()) if (r.kind === 'fill') fills++;
  const ms = performance.now() - start;
  return {
    events: v.counts.trades + v.counts.depthRows,
    messages: v.counts.trades + v.counts.depthMessages,
    ms,
    cpuMs: cpuMs(cpu0),
    fills,
    orders,
  };
};

const sum = (rs: readonly PassResult[], k: keyof PassResult): number => rs.reduce((a, r) => a + r[k], 0);
const rate = (rs: readonly PassResult[]): number => sum(rs, 'events') / (sum(rs, 'ms') / 1000);
const cpuRate = (rs: readonly PassResult[]): number => sum(rs, 'events') / (sum(rs, 'cpuMs') / 1000);

// One untimed pass of each so the JIT has seen both paths.
bookOnly();
withQuotes(0);
const loadStart = os.loadavg()[0]!;
const book: PassResult[] = [];
const queue: PassResult[] = [];
const bestRound = { book: 0, queue: 0 };
for (let round = 0; round < ROUNDS; round++) {
  const b: PassResult[] = [];
  const q: PassResult[] = [];
  for (let p = 0; p < PASSES_PER_ROUND; p++) b.push(bookOnly());
  for (let p = 0; p < PASSES_PER_ROUND; p++) q.push(withQuotes(round * PASSES_PER_ROUND + p + 1));
  bestRound.book = Math.max(bestRound.book, rate(b));
  bestRound.queue = Math.max(bestRound.queue, rate(q));
  book.push(...b);
  queue.push(...q);
}

const perPass = book[0]!.events;
const passes = book.length;
const fmt = (x: number): string => `${(x / 1e6).toFixed(2)}M/s`;
console.log(
  `BTCUSDT capture: ${data.trades.length} trades, ${data.depth.messages} depth messages / ${data.depth.rows} rows ` +
    `(loaded and parsed in ${loadMs.toFixed(0)} ms, outside the timing)`,
);
console.log(
  `${perPass} events per pass (trades + applied depth rows); the capture is replayed ${passes} times per mode ` +
    `(${ROUNDS} rounds × ${PASSES_PER_ROUND}, modes alternated) = ${sum(book, 'events')} events per mode`,
);
console.log(`node ${process.version}, ${os.cpus().length} cpus, load ${loadStart.toFixed(2)}`);
console.log(
  `book only:    ${fmt(rate(book))} wall, ${fmt(cpuRate(book))} per CPU-second (best round ${fmt(bestRound.book)})`,
);
console.log(
  `book + queue: ${fmt(rate(queue))} wall, ${fmt(cpuRate(queue))} per CPU-second (best round ${fmt(bestRound.queue)}), ` +
    `${sum(queue, 'orders')} orders, ${sum(queue, 'fills')} fills`,
);
// Counted per wire message instead (a depth message carries ~68 level changes on average), the same run is:
const messagesPerPass = book[0]!.messages;
const msgRate = (rate(queue) * messagesPerPass) / perPass;
console.log(
  `(per wire message instead — trades + depth messages, ${messagesPerPass} per pass — book + queue is ${fmt(msgRate)} wall)`,
);
console.log(`target ${fmt(TARGET)}: book + queue (wall) at ${(rate(queue) / TARGET).toFixed(2)}× the target`);
console.log(
  JSON.stringify({
    bench: 'ticks',
    symbol: 'BTCUSDT',
    eventsPerPass: perPass,
    passesPerMode: passes,
    eventsPerMode: sum(book, 'events'),
    trades: data.trades.length,
    depthRows: data.depth.rows,
    depthMessages: data.depth.messages,
    bookOnlyEventsPerSec: Math.round(rate(book)),
    bookOnlyEventsPerCpuSec: Math.round(cpuRate(book)),
    bookQueueEventsPerSec: Math.round(rate(queue)),
    bookQueueEventsPerCpuSec: Math.round(cpuRate(queue)),
    bookQueueBestRoundEventsPerSec: Math.round(bestRound.queue),
    bookQueueWireMessagesPerSec: Math.round(msgRate),
    ordersPlaced: sum(queue, 'orders'),
    fills: sum(queue, 'fills'),
    targetEventsPerSec: TARGET,
    ratioToTarget: Number((rate(queue) / TARGET).toFixed(2)),
    cpus: os.cpus().length,
    loadAverage1m: { start: Number(loadStart.toFixed(2)), end: Number(os.loadavg()[0]!.toFixed(2)) },
    node: process.version,
  }),
);
