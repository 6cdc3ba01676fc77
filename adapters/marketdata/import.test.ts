import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDatasets, loadBars, loadFunding, loadMark, loadTrades, verifyStore } from './column-store.js';
import { MalformedDataError, parseDatasetFile } from './csv-dataset.js';
import { collectFiles, importFiles } from './import.js';
import { openMarketStore } from './market-store.js';
import { sharedBars, sharedDataDir } from './shared-data.js';

let work: string;
let market: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'perpetua-md-'));
  market = path.join(work, 'market');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const writeCsv = (rel: string, lines: string[]): string => {
  const file = path.join(work, 'in', rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
  return file;
};

const KLINE_HEADER = 'ts,open,high,low,close,volume';
const goodKlines = () =>
  writeCsv('klines/TESTUSDT-1m.csv.gz', [
    KLINE_HEADER,
    '60000,10,11,9,10.5,100',
    '120000,10.5,12,10,11,50.25',
    '300000,11,11.5,10.5,11.2,10',
  ]);

describe('CSV validation', () => {
  it('parses real shared files: 1m with its extra columns, funding with negative rates', () => {
    const d = parseDatasetFile(path.join(sharedDataDir(), 'klines', 'ALGOUSDT-1m.csv.gz'));
    expect([d.kind, d.symbol, d.timeframe, d.rows]).toEqual(['klines', 'ALGOUSDT', '1m', 40320]);
    expect(d.columns.map((c) => c.name)).toContain('taker_buy_quote_volume');
    const f = parseDatasetFile(path.join(sharedDataDir(), 'funding', 'SUIUSDT.csv.gz'));
    expect([f.kind, f.timeframe, f.rows]).toEqual(['funding', null, 727]);
    expect(f.columns[1]!.values.some((r) => r < 0)).toBe(true);
  });

  it.each([
    ['a non-number', '120000,10.5,abc,10,11,50', 3, /high is not a number/],
    ['exponent notation', '120000,10.5,1e2,10,11,50', 3, /not a number/],
    ['a missing field', '120000,10.5,12,10,11', 3, /expected 6 fields/],
    ['a duplicate timestamp', '60000,10.5,12,10,11,50', 3, /does not increase/],
    ['an off-grid timestamp', '120500,10.5,12,10,11,50', 3, /grid/],
    ['high below close', '120000,10.5,10.8,10,11,50', 3, /inconsistent OHLC/],
    ['a negative volume', '120000,10.5,12,10,11,-1', 3, /volume must not be negative: "-1"/],
    ['a negative price', '120000,-10,12,10,11,50', 3, /open must not be negative: "-10"/],
    ['a bar at zero', '120000,0,0,0,0,50', 3, /prices must be above 0: 0,0,0,0/],
  ])('rejects %s naming file and line', (_, row, line, reason) => {
    const file = writeCsv('klines/BADUSDT-1m.csv.gz', [KLINE_HEADER, '60000,10,11,9,10.5,100', row]);
    try {
      parseDatasetFile(file);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedDataError);
      expect((e as Error).message).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: `),
      );
      expect((e as Error).message).toMatch(reason);
    }
  });

  it('rejects a broken depth update-id chain and a crossed book ticker', () => {
    const depth = writeCsv('book/BADUSDT-depth-updates.csv.gz', [
      'ts,transact_time,local_ts_ns,first_update_id,last_update_id,prev_update_id,side,price,qty',
      '1000,1000,5,10,12,9,bid,100.5,1',
      '1000,1000,5,10,12,9,ask,101,0',
      '1001,1001,6,13,15,11,bid,100.4,2',
    ]);
    expect(() => parseDatasetFile(depth)).toThrow(
      /:4: prev_update_id 11 != previous message's last_update_id 12/,
    );
    const ticker = writeCsv('book/BADUSDT-bookticker.csv.gz', [
      'ts,event_time,local_ts_ns,update_id,bid_price,bid_qty,ask_price,ask_qty',
      '1000,1000,5,10,100,1,100.1,1',
      '1001,1001,6,11,100.2,1,100.1,1',
    ]);
    expect(() => parseDatasetFile(ticker)).toThrow(/:3: crossed: bid 100.2 > ask 100.1/);
    const side = writeCsv('book/BADUSDT-depth-snapshot.csv.gz', [
      'ts,transact_time,local_ts_ns,last_update_id,side,price,qty',
      '1000,1000,5,10,buy,100,1',
    ]);
    expect(() => parseDatasetFile(side)).toThrow(/:2: side must be one of bid\|ask: "buy"/);
  });

  it('rejects an unknown header on line 1', () => {
    const file = writeCsv('klines/BADUSDT-1m.csv.gz', ['time,o,h,l,c,v', '60000,10,11,9,10.5,100']);
    expect(() => parseDatasetFile(file)).toThrow(/:1: unknown header/);
  });
});

describe('column store', () => {
  it('round-trips real data exactly and verifies it', () => {
    const files = ['klines/BTCUSDT-1h.csv.gz', 'funding/BTCUSDT.csv.gz', 'mark/BTCUSDT-8h.csv.gz'].map((f) =>
      path.join(sharedDataDir(), f),
    );
    importFiles(files, market);
    const bars = loadBars(market, 'BTCUSDT', '1h');
    const src = sharedBars('BTCUSDT', '1h');
    expect(bars.close).toEqual(src.close);
    expect(bars.openTime).toEqual(src.openTime);
    expect(loadFunding(market, 'BTCUSDT').rate.length).toBe(1095);
    expect(loadMark(market, 'BTCUSDT').open[0]).toBe(16537.6);
    expect(listDatasets(market).map((m) => `${m.kind}/${m.symbol}`)).toEqual([
      'klines/BTCUSDT',
      'mark/BTCUSDT',
      'funding/BTCUSDT',
    ]);
    expect(verifyStore(market).every((r) => r.problems.length === 0 && r.gaps.length === 0)).toBe(true);
  });

  it('serves any timeframe from the coarsest stored series that divides it', () => {
    importFiles(
      ['klines/BTCUSDT-5m.csv.gz', 'klines/BTCUSDT-1h.csv.gz'].map((f) => path.join(sharedDataDir(), f)),
      market,
    );
    const store = openMarketStore(market);
    expect(store.bars('BTCUSDT', '1h').openTime.length).toBe(8760);
    const h4 = store.bars('BTCUSDT', '4h');
    expect(h4.openTime.length).toBe(2190);
    expect(h4.high[0]).toBe(Math.max(...store.bars('BTCUSDT', '1h').high.subarray(0, 4)));
    expect(store.bars('BTCUSDT', '15m').openTime.length).toBe(35040);
    expect(() => store.bars('BTCUSDT', '1m')).toThrow(/no BTCUSDT klines/);
  });

  it('an import with one malformed file writes nothing, and leaves an earlier import intact', () => {
    const good = goodKlines();
    importFiles([good], market);
    const before = readFileSync(path.join(market, 'klines', 'TESTUSDT-1m', 'close.f64'));
    const other = writeCsv('klines/OTHERUSDT-1m.csv.gz', [KLINE_HEADER, '60000,1,2,1,1.5,3']);
    const bad = writeCsv('funding/BADUSDT.csv.gz', ['ts,rate', '1000,0.0001', '2000,x']);
    expect(() => importFiles([other, good, bad], market)).toThrow(/BADUSDT\.csv\.gz:3: rate is not a number/);
    expect(listDatasets(market).map((m) => m.symbol)).toEqual(['TESTUSDT']);
    expect(readFileSync(path.join(market, 'klines', 'TESTUSDT-1m', 'close.f64'))).toEqual(before);
  });

  it('verify reports gaps as (symbol, from, to) and detects a corrupted column', () => {
    importFiles([goodKlines()], market);
    const [report] = verifyStore(market);
    expect(report!.problems).toEqual([]);
    expect(report!.gaps).toEqual([
      { symbol: 'TESTUSDT', timeframe: '1m', from: 180000, to: 240000, missing: 2 },
    ]);
    const col = path.join(market, 'klines', 'TESTUSDT-1m', 'high.f64');
    const bytes = readFileSync(col);
    bytes[3] = bytes[3]! ^ 0xff;
    writeFileSync(col, bytes);
    expect(verifyStore(market)[0]!.problems).toEqual(['high.f64: sha256 mismatch']);
  });

  it('collects every CSV of a shared-data-shaped folder (klines, funding, mark, trades, book), not meta', () => {
    const files = collectFiles([sharedDataDir()]).map((f) => path.relative(sharedDataDir(), f));
    expect(files).toHaveLength(29);
    expect(files.filter((f) => f.startsWith('book'))).toHaveLength(3);
    expect(files.some((f) => f.startsWith('meta'))).toBe(false);
  });

  it('stores tick captures with exact nanosecond clocks and label codes', () => {
    const files = [
      'trades/BTCUSDT.csv.gz',
      'book/BTCUSDT-depth-updates.csv.gz',
      'book/BTCUSDT-bookticker.csv.gz',
    ];
    const metas = importFiles(
      files.map((f) => path.join(sharedDataDir(), f)),
      market,
    );
    expect(metas.map((m) => m.rows)).toEqual([21313, 443521, 66089]);
    const trades = loadTrades(market, 'BTCUSDT');
    expect(trades.localTsNs[0]).toBe(1723161255088176367n);
    expect(trades.tradeId[0]).toBe(5266583935);
    expect(trades.price[0]).toBe(61800.3);
    expect(Array.from(trades.isBuyerMaker.subarray(0, 2))).toEqual([0, 0]);
    expect(trades.isBuyerMaker.reduce((n, v) => n + v, 0)).toBe(11697);
    expect(verifyStore(market).every((r) => r.problems.length === 0)).toBe(true);
  });
});
