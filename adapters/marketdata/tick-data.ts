import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DepthSnapshot, DepthStream, TradeTape } from '../../domain/sim/feeds.js';
import { parseSteps, type TickScale } from '../../domain/sim/scale.js';
import { MalformedDataError } from './csv-dataset.js';
import { sharedDataDir } from './shared-data.js';

/**
 * Loads the raw Binance tick capture (trades, diff-depth rows, REST snapshot; formats in
 * ../shared/data/README.md) into the simulator's integer columns. Prices and quantities are parsed
 * straight from their decimal strings into ticks and lots, so an off-grid value is a load error rather
 * than a silently rounded level.
 */

const readLines = (file: string): { lines: string[]; rows: number } => {
  const raw = readFileSync(file);
  let text: string;
  try {
    text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    throw new MalformedDataError(file, 0, `not a readable gzip file (${(e as Error).message})`);
  }
  const lines = text.split('\n');
  let rows = lines.length - 1;
  while (rows > 0 && lines[rows]!.replace(/\r$/, '') === '') rows--;
  // An empty capture would load as nothing at all: a snapshot with no update id, a book never in sync.
  if (rows === 0) throw new MalformedDataError(file, 2, 'no data rows');
  return { lines, rows };
};

const expectHeader = (file: string, lines: readonly string[], header: string): void => {
  const got = (lines[0] ?? '').replace(/\r$/, '');
  if (got !== header) throw new MalformedDataError(file, 1, `unexpected header: ${got} (want ${header})`);
};

const fieldsOf = (file: string, line: string | undefined, lineNo: number, width: number): string[] => {
  const f = (line ?? '').replace(/\r$/, '').split(',');
  if (f.length !== width)
    throw new MalformedDataError(file, lineNo, `expected ${width} fields, got ${f.length}`);
  return f;
};

const int = (file: string, lineNo: number, name: string, text: string): number => {
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v))
    throw new MalformedDataError(file, lineNo, `${name} is not a safe integer: "${text}"`);
  return v;
};

const steps = (
  file: string,
  lineNo: number,
  name: string,
  text: string,
  num: number,
  den: number,
): number => {
  const v = parseSteps(text, num, den);
  if (Number.isNaN(v))
    throw new MalformedDataError(file, lineNo, `${name} "${text}" is not a whole number of ${num}/${den}`);
  return v;
};

const TRADES_HEADER = 'ts,event_time,local_ts_ns,trade_id,price,qty,is_buyer_maker,type';
const DEPTH_HEADER =
  'ts,transact_time,local_ts_ns,first_update_id,last_update_id,prev_update_id,side,price,qty';
const SNAPSHOT_HEADER = 'ts,transact_time,local_ts_ns,last_update_id,side,price,qty';

const sideIsAsk = (file: string, lineNo: number, text: string): number => {
  if (text === 'ask') return 1;
  if (text === 'bid') return 0;
  throw new MalformedDataError(file, lineNo, `side must be bid or ask, got "${text}"`);
};

export const loadTradeTape = (file: string, scale: TickScale): TradeTape => {
  const { lines, rows } = readLines(file);
  expectHeader(file, lines, TRADES_HEADER);
  const time = new Float64Array(rows);
  const tradeId = new Float64Array(rows);
  const priceTicks = new Float64Array(rows);
  const lots = new Float64Array(rows);
  const sellerTaker = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const ln = r + 2;
    const f = fieldsOf(file, lines[r + 1], ln, 8);
    time[r] = int(file, ln, 'ts', f[0]!);
    if (r > 0 && time[r]! < time[r - 1]!) throw new MalformedDataError(file, ln, `ts goes back in time`);
    tradeId[r] = int(file, ln, 'trade_id', f[3]!);
    priceTicks[r] = steps(file, ln, 'price', f[4]!, scale.tickNum, scale.tickDen);
    lots[r] = steps(file, ln, 'qty', f[5]!, scale.lotNum, scale.lotDen);
    if (f[6] !== 'true' && f[6] !== 'false')
      throw new MalformedDataError(file, ln, `is_buyer_maker must be true or false`);
    sellerTaker[r] = f[6] === 'true' ? 1 : 0;
  }
  return { length: rows, time, tradeId, priceTicks, lots, sellerTaker };
};

/** Rows sharing a last_update_id form one message; its time is the transaction time T (trades' clock). */
export const loadDepthStream = (file: string, scale: TickScale): DepthStream => {
  const { lines, rows } = readLines(file);
  expectHeader(file, lines, DEPTH_HEADER);
  const isAsk = new Uint8Array(rows);
  const priceTicks = new Float64Array(rows);
  const lots = new Float64Array(rows);
  const mTime: number[] = [];
  const mFirst: number[] = [];
  const mLast: number[] = [];
  const mPrev: number[] = [];
  const mStart: number[] = [];
  let prevLast = Number.NaN;
  for (let r = 0; r < rows; r++) {
    const ln = r + 2;
    const f = fieldsOf(file, lines[r + 1], ln, 9);
    const last = int(file, ln, 'last_update_id', f[4]!);
    if (last !== prevLast) {
      const t = int(file, ln, 'transact_time', f[1]!);
      if (mTime.length > 0 && t < mTime[mTime.length - 1]!)
        throw new MalformedDataError(file, ln, `transact_time goes back in time`);
      mTime.push(t);
      mFirst.push(int(file, ln, 'first_update_id', f[3]!));
      mLast.push(last);
      mPrev.push(int(file, ln, 'prev_update_id', f[5]!));
      mStart.push(r);
      prevLast = last;
    }
    isAsk[r] = sideIsAsk(file, ln, f[6]!);
    priceTicks[r] = steps(file, ln, 'price', f[7]!, scale.tickNum, scale.tickDen);
    lots[r] = steps(file, ln, 'qty', f[8]!, scale.lotNum, scale.lotDen);
  }
  mStart.push(rows);
  return {
    messages: mTime.length,
    time: Float64Array.from(mTime),
    firstId: Float64Array.from(mFirst),
    lastId: Float64Array.from(mLast),
    prevId: Float64Array.from(mPrev),
    rowStart: Uint32Array.from(mStart),
    rows,
    isAsk,
    priceTicks,
    lots,
  };
};

export const loadDepthSnapshot = (file: string, scale: TickScale): DepthSnapshot => {
  const { lines, rows } = readLines(file);
  expectHeader(file, lines, SNAPSHOT_HEADER);
  const isAsk = new Uint8Array(rows);
  const priceTicks = new Float64Array(rows);
  const lots = new Float64Array(rows);
  let lastUpdateId = Number.NaN;
  let time = Number.NaN;
  for (let r = 0; r < rows; r++) {
    const ln = r + 2;
    const f = fieldsOf(file, lines[r + 1], ln, 7);
    const id = int(file, ln, 'last_update_id', f[3]!);
    if (r === 0) {
      lastUpdateId = id;
      time = int(file, ln, 'transact_time', f[1]!);
    } else if (id !== lastUpdateId) throw new MalformedDataError(file, ln, `snapshot mixes update ids`);
    isAsk[r] = sideIsAsk(file, ln, f[4]!);
    priceTicks[r] = steps(file, ln, 'price', f[5]!, scale.tickNum, scale.tickDen);
    lots[r] = steps(file, ln, 'qty', f[6]!, scale.lotNum, scale.lotDen);
  }
  return { lastUpdateId, time, isAsk, priceTicks, lots };
};

const BOOK_TICKER_HEADER = 'ts,event_time,local_ts_ns,update_id,bid_price,bid_qty,ask_price,ask_qty';

/** Best bid/ask stream (@bookTicker), for checking a rebuilt book against what the exchange published. */
export interface BookTickerTape {
  readonly length: number;
  readonly time: Float64Array;
  readonly updateId: Float64Array;
  readonly bidTicks: Float64Array;
  readonly bidLots: Float64Array;
  readonly askTicks: Float64Array;
  readonly askLots: Float64Array;
}

export const loadBookTicker = (file: string, scale: TickScale): BookTickerTape => {
  const { lines, rows } = readLines(file);
  expectHeader(file, lines, BOOK_TICKER_HEADER);
  const cols = Array.from({ length: 6 }, () => new Float64Array(rows));
  const [time, updateId, bidTicks, bidLots, askTicks, askLots] = cols as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let r = 0; r < rows; r++) {
    const ln = r + 2;
    const f = fieldsOf(file, lines[r + 1], ln, 8);
    time[r] = int(file, ln, 'ts', f[0]!);
    updateId[r] = int(file, ln, 'update_id', f[3]!);
    bidTicks[r] = steps(file, ln, 'bid_price', f[4]!, scale.tickNum, scale.tickDen);
    bidLots[r] = steps(file, ln, 'bid_qty', f[5]!, scale.lotNum, scale.lotDen);
    askTicks[r] = steps(file, ln, 'ask_price', f[6]!, scale.tickNum, scale.tickDen);
    askLots[r] = steps(file, ln, 'ask_qty', f[7]!, scale.lotNum, scale.lotDen);
  }
  return { length: rows, time, updateId, bidTicks, bidLots, askTicks, askLots };
};

export const sharedBookTicker = (symbol: string, scale: TickScale): BookTickerTape =>
  loadBookTicker(path.join(sharedDataDir(), 'book', `${symbol}-bookticker.csv.gz`), scale);

export interface TickData {
  readonly symbol: string;
  readonly trades: TradeTape;
  readonly snapshot: DepthSnapshot;
  readonly depth: DepthStream;
}

/** The shared capture for one symbol (BTCUSDT is the one checked in). */
export const sharedTickData = (symbol: string, scale: TickScale): TickData => {
  const dir = sharedDataDir();
  return {
    symbol,
    trades: loadTradeTape(path.join(dir, 'trades', `${symbol}.csv.gz`), scale),
    snapshot: loadDepthSnapshot(path.join(dir, 'book', `${symbol}-depth-snapshot.csv.gz`), scale),
    depth: loadDepthStream(path.join(dir, 'book', `${symbol}-depth-updates.csv.gz`), scale),
  };
};
