import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { loadBinanceInstruments } from '../adapters/instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../adapters/marketdata/hotlist-inputs.js';
import { HotlistHandlers } from '../commands/hotlist/handlers.js';
import { ReoptimizationTriggers } from '../commands/optimizer/triggers.js';
import { catalogue } from '../domain/catalogue.js';
import type { HotlistScannedData } from '../domain/hotlist/events.js';
import { ReoptimizationRequested, type ReoptimizationRequestedData } from '../domain/optimizer/events.js';
import { volatilityTrigger } from './volatility-trigger.js';

let source: RecordedHotlistSource;
beforeAll(async () => {
  const book = await loadBinanceInstruments();
  source = new RecordedHotlistSource({
    instrument: (s) => book.all.get(s),
    listings: await binanceListings(),
  });
});

describe('volatility trigger on the recorded 2023 scans', () => {
  it('a traded symbol at the top of its volatility range asks every strategy once per episode', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const hotlist = new HotlistHandlers(store, newEventId);
    const logs: string[] = [];
    const onScan = volatilityTrigger({
      triggers: new ReoptimizationTriggers(store, newEventId),
      strategies: ['ema-cross', 'funding-carry'],
      symbols: () => ['BTCUSDT', 'ETHUSDT'],
      log: (m) => logs.push(m),
    });
    const scanAt = async (iso: string) => {
      const d = await hotlist.scan(source, RecordedHotlistSource.available(), Date.parse(iso));
      const scan = d.events[0]!.data as HotlistScannedData;
      await onScan(scan);
      return scan;
    };
    const requests = async () =>
      store
        .raw()
        .filter((e) => e.type === 'ReoptimizationRequested')
        .map((e) => e.data as ReoptimizationRequestedData);

    // A calm day: nothing.
    await scanAt('2023-06-01T00:00:00Z');
    expect(await requests()).toEqual([]);
    // The spot-ETF rally: BTC at the 100th percentile of its own range.
    const spike = await scanAt('2023-10-24T00:00:00Z');
    const r = await requests();
    expect(r.map((x) => x.strategyId)).toEqual(['ema-cross', 'funding-carry']);
    for (const x of r) {
      expect(ReoptimizationRequested.schema.safeParse(x).success).toBe(true);
      expect(x.trigger).toEqual({
        kind: 'volatility',
        symbol: 'BTCUSDT',
        percentile: spike.candidates.find((c) => c.symbol === 'BTCUSDT')!.dimensions[1]!.value,
        threshold: 0.95,
        scanId: spike.scanId,
      });
      expect(x.requestId).toBe(`${x.strategyId}:volatility:${Date.parse('2023-10-24T00:00:00Z')}`);
    }
    expect(logs[0]).toMatch(
      /^volatility trigger: BTCUSDT at its 100th volatility percentile; requested re-optimisation of ema-cross/,
    );
    // The same episode a day later: no second request.
    await scanAt('2023-10-25T00:00:00Z');
    expect(await requests()).toHaveLength(2);
    // A spike on symbols the runs do not trade does not concern their parameters.
    const other = new MemoryEventStore({ catalogue: catalogue() });
    const quiet = volatilityTrigger({
      triggers: new ReoptimizationTriggers(other, newEventId),
      strategies: ['ema-cross'],
      symbols: () => ['NOTRADEDUSDT'],
      log: () => {},
    });
    await quiet(spike);
    expect(other.raw().length).toBe(0);
  });
});
