import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { fixed } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { Ema } from '../../domain/market/indicators/ema.js';
import { builtInStrategies } from '../../domain/strategies/index.js';
import { LookAheadError, type StrategyDefinition } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings } from './config.js';
import { Engine } from './engine.js';
import { loadFeeds } from './feeds.js';
import { logHash } from './log-hash.js';
import { runPaper } from './paper.js';
import { instrumentBookOnce, prepareRun, RunRequestError, runBacktest } from './run.js';

const H1 = {
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'],
  from: '2023-01-01',
  to: '2023-05-01',
};

const byType = (events: readonly StoredEvent[], type: string) => events.filter((e) => e.type === type);

describe('engine on real data', () => {
  it('a multi-symbol backtest is byte-identical when re-run and when the feeds arrive shuffled', async () => {
    const a = await runBacktest(H1);
    const b = await runBacktest(H1);
    expect(b.hash).toBe(a.hash);
    expect(a.results.kpis().trades).toBeGreaterThan(5);

    // Same inputs, feeds handed over in reverse order and symbols listed backwards.
    const book = await instrumentBookOnce();
    const { feeds } = loadFeeds([...H1.symbols].reverse(), '1h');
    const shuffled = {
      bars: new Map([...feeds.bars].reverse()),
      funding: new Map([...(feeds.funding ?? new Map())].reverse()),
      mark: new Map([...(feeds.mark ?? new Map())].reverse()),
    };
    const c = a.engine.config;
    const e = new Engine({ ...c, symbols: [...c.symbols].reverse(), instrument: book.get }, shuffled);
    e.runToEnd();
    expect(logHash(e.store.raw())).toBe(a.hash);
  });

  it('folding events as they pass gives the same results and hash as keeping the log', async () => {
    const req = { ...H1, to: '2023-03-01' };
    const kept = await runBacktest(req);
    const folded = await runBacktest({ ...req, retainEvents: false });
    expect(folded.hash).toBe(kept.hash);
    expect(folded.results.kpis()).toEqual(kept.results.kpis());
    expect(folded.results.trades).toEqual(kept.results.trades);
    expect(folded.engine.store.raw()).toHaveLength(0);
  });

  it('writes only events that pass their schemas, and the ledger reconciles to the last unit', async () => {
    const { engine } = await runBacktest({ ...H1, strategyId: 'bollinger-rsi', to: '2023-03-01' });
    const events = engine.store.raw();
    const cat = catalogue();
    events.forEach((e, i) => {
      const { recordedAt: _r, ...metadata } = e.metadata;
      expect(() =>
        cat.validate({ eventId: e.eventId, type: e.type, data: e.data, metadata }, i),
      ).not.toThrow();
    });
    const sum = (type: string, field: string) =>
      byType(events, type).reduce(
        (s, e) => s + fixed(String((e.data as Record<string, unknown>)[field])),
        0n,
      );
    const deposits = sum('FundsDeposited', 'amount');
    const realised = sum('FillSettled', 'realisedPnl') + sum('PositionLiquidated', 'realisedPnl');
    const fees = sum('FeeCharged', 'amount');
    const funding = sum('FundingPaid', 'amount');
    expect(byType(events, 'FillSettled').length).toBeGreaterThan(4);
    const account = engine.ledgerAccount;
    let wallet = account.crossWallet;
    for (const p of account.positions.values()) wallet += p.isolatedWallet;
    expect(wallet - deposits).toBe(realised - fees + funding);
  });

  it('every order traces back through its decision chain to a signal or a stop', async () => {
    const { engine } = await runBacktest({ ...H1, to: '2023-03-01' });
    const events = engine.store.raw();
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const requested = byType(events, 'OrderRequested');
    expect(requested.length).toBeGreaterThan(3);
    for (const o of requested) {
      const links: StoredEvent[] = [];
      let e: StoredEvent | undefined = o;
      while (e) {
        links.push(e);
        e = e.metadata.causationId ? byId.get(e.metadata.causationId) : undefined;
      }
      const chain = links.map((x) => x.type);
      expect(['SignalEmitted', 'StopStatusChanged']).toContain(chain.at(-1));
      if (chain.at(-1) === 'SignalEmitted')
        expect(chain).toEqual(['OrderRequested', 'RiskDecided', 'PositionSized', 'SignalEmitted']);
      for (const x of links) expect(x.metadata.correlationId).toBe(o.metadata.correlationId);
    }
    for (const f of byType(events, 'FillSettled'))
      expect(byId.get(f.metadata.causationId!)!.type).toBe('OrderFilled');
  });

  it('every built-in strategy runs on the real data and trades', async () => {
    for (const id of Object.keys(builtInStrategies)) {
      const symbols = id === 'funding-carry' ? ['BTCUSDT', 'ETHUSDT', 'SUIUSDT'] : ['BTCUSDT', 'ETHUSDT'];
      const out = await runBacktest({ strategyId: id, symbols, from: '2023-06-01', to: '2023-10-01' });
      expect(out.summary.reason, id).toBe('end-of-data');
      expect(byType(out.engine.store.raw(), 'SignalEmitted').length, id).toBeGreaterThan(0);
    }
  });

  it('resamples 1m-only symbols and resolves stops on the 1m bars inside each bar', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['AVAXUSDT', 'LINKUSDT'],
      timeframe: '5m',
      params: { fast: 8, slow: 34 },
    });
    expect(out.coverage.every((c) => c.source === 'resampled-1m' && c.intrabar)).toBe(true);
    expect(out.results.kpis().stopsTriggered).toBeGreaterThan(0);
  });

  it('the breaker ladder trips on drawdown, blocks new entries and says why, and never steps down by itself', async () => {
    const out = await runBacktest({ ...H1, params: { fast: 5, slow: 20 }, to: '2023-03-01' });
    const events = out.engine.store.raw();
    const changes = byType(events, 'BreakerLevelChanged').map(
      (e) => e.data as { from: string; to: string; direction: string; triggers: unknown[] },
    );
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.direction).toBe('up');
    expect(changes[0]!.triggers.length).toBeGreaterThan(0);
    if (changes.some((c) => c.to === 'halt' || c.to === 'flatten')) {
      const refused = byType(events, 'RiskDecided').filter((e) =>
        ((e.data as { checks: { rule: string; verdict: string }[] }).checks ?? []).some(
          (k) => k.rule === 'breaker' && k.verdict === 'fail',
        ),
      );
      expect(refused.length).toBeGreaterThan(0);
    }
    expect(out.results.kpis().breakerTransitions).toBe(changes.length);
  });

  it('refuses bad requests with a clear message', async () => {
    await expect(prepareRun({ ...H1, strategyId: 'nope' })).rejects.toThrow(/unknown strategy "nope"/);
    await expect(prepareRun({ ...H1, symbols: ['DOGEXYZ'] })).rejects.toThrow(/unknown symbol DOGEXYZ/);
    await expect(prepareRun({ ...H1, from: '2030-01-01', to: '2031-01-01' })).rejects.toThrow(/outside it/);
    await expect(prepareRun({ ...H1, params: { fast: 500 } })).rejects.toThrow(RunRequestError);
    await expect(prepareRun({ ...H1, params: { fast: 500 } })).rejects.toThrow(/fast/);
    await expect(prepareRun({ ...H1, from: 'yesterday' })).rejects.toThrow(/not a date/);
  });
});

describe('engine guarantees', () => {
  const peeker: StrategyDefinition = {
    id: 'peeker',
    version: '0.0.1',
    description: 'reads the next close',
    timeframe: '1h',
    params: z.object({}),
    create: () => ({
      onBar(bar, ctx) {
        if (bar.openTime >= Date.UTC(2023, 0, 3)) ctx.close(bar.symbol, -1);
      },
    }),
  };

  it('a strategy that reads ahead fails the run with LookAheadError', async () => {
    const book = await instrumentBookOnce();
    const { feeds } = loadFeeds(['BTCUSDT'], '1h');
    const e = new Engine(
      {
        ...defaultEngineSettings,
        runId: 'peek',
        strategy: peeker,
        params: {},
        symbols: ['BTCUSDT'],
        from: Date.UTC(2023, 0, 1),
        to: Date.UTC(2023, 1, 1),
        instrument: book.get,
        venueRules: binanceUsdm,
      },
      feeds,
    );
    expect(() => e.runToEnd()).toThrow(LookAheadError);
    expect(() => e.runToEnd()).toThrow(/look-ahead: peeker asked BTCUSDT for the close 1 bar\(s\) ahead/);
    const done = byType(e.store.raw(), 'RunCompleted')[0]!;
    expect(done.data).toMatchObject({ reason: 'failed' });
  });

  it('paper mode is the same engine: at any speed it decides what the backtest decides', async () => {
    const req = { ...H1, symbols: ['BTCUSDT'], to: '2023-02-01' };
    const bt = await runBacktest(req);
    const { engine } = await prepareRun({ ...req, mode: 'paper' });
    let fake = 0;
    await runPaper(engine, {
      speed: 3_600_000,
      clock: {
        now: () => fake,
        sleep: async (ms) => {
          fake += ms;
        },
      },
    });
    // Only the recorded mode differs (in RunStarted and in each event's metadata).
    const strip = (es: readonly StoredEvent[]) =>
      es.map((e) => [
        e.type,
        e.streamId,
        e.type === 'RunStarted' ? { ...(e.data as object), mode: '-' } : e.data,
      ]);
    expect(strip(engine.store.raw())).toEqual(strip(bt.engine.store.raw()));
    expect(engine.store.raw()[5]!.metadata.mode).toBe('paper');
  });

  it('warm-up bars reach the strategy but book nothing; the run starts flat at `from`', async () => {
    let warm = 0;
    const eager: StrategyDefinition = {
      id: 'eager',
      version: '0.0.1',
      description: 'targets on every bar',
      timeframe: '1h',
      params: z.object({}),
      create: () => ({
        onBar(bar, ctx) {
          if (bar.openTime < Date.UTC(2023, 1, 1)) warm++;
          ctx.target(bar.symbol, 1, { side: 'long', strength: 1, features: { n: warm } });
        },
      }),
    };
    const book = await instrumentBookOnce();
    const { feeds } = loadFeeds(['BTCUSDT'], '1h');
    const e = new Engine(
      {
        ...defaultEngineSettings,
        runId: 'warm',
        strategy: eager,
        params: {},
        symbols: ['BTCUSDT'],
        from: Date.UTC(2023, 1, 1),
        to: Date.UTC(2023, 1, 2),
        warmupBars: 48,
        instrument: book.get,
        venueRules: binanceUsdm,
      },
      feeds,
    );
    const summary = e.runToEnd();
    expect(warm).toBe(48);
    expect(summary.bars).toBe(24);
    const signals = byType(e.store.raw(), 'SignalEmitted');
    expect(signals.length).toBeGreaterThan(0);
    expect((signals[0]!.data as { observation: { openTime: number } }).observation.openTime).toBe(
      Date.UTC(2023, 1, 1),
    );
  });

  it('explicit orders: a limit rests until the market trades through it (maker), an IOC expires, a cancel cancels', async () => {
    const ids: Record<string, string | null> = {};
    const placedAt = { t: 0 };
    const placer: StrategyDefinition = {
      id: 'placer',
      version: '0.0.1',
      description: 'places explicit orders',
      timeframe: '1h',
      params: z.object({}),
      create: () => {
        let n = 0;
        return {
          onBar(bar, ctx) {
            n++;
            const why = { side: 'long' as const, strength: 1, features: { close: bar.close } };
            // After 20 bars: the engine's ATR (the liquidation-distance rule needs it) is ready.
            if (n === 20) {
              ids.limit = ctx.order(
                { symbol: bar.symbol, side: 'BUY', type: 'LIMIT', quantity: 0.01, price: bar.close * 0.999 },
                why,
              );
              // Inside the 2% price band of the risk check, far enough below that one bar rarely reaches it.
              ids.ioc = ctx.order(
                {
                  symbol: bar.symbol,
                  side: 'BUY',
                  type: 'LIMIT',
                  quantity: 0.01,
                  price: bar.close * 0.985,
                  timeInForce: 'IOC',
                },
                why,
              );
              ids.resting = ctx.order(
                { symbol: bar.symbol, side: 'BUY', type: 'LIMIT', quantity: 0.01, price: bar.close * 0.985 },
                why,
              );
              placedAt.t = bar.closeTime;
            }
            if (n === 22) ids.cancelled = String(ctx.cancel(ids.resting!));
            if (n === 40)
              ids.market = ctx.order(
                { symbol: bar.symbol, side: 'SELL', type: 'MARKET', quantity: 0.005, reduceOnly: true },
                why,
              );
          },
        };
      },
    };
    const book = await instrumentBookOnce();
    const { feeds } = loadFeeds(['BTCUSDT'], '1h');
    const e = new Engine(
      {
        ...defaultEngineSettings,
        runId: 'placer',
        strategy: placer,
        params: {},
        symbols: ['BTCUSDT'],
        from: Date.UTC(2023, 0, 9),
        to: Date.UTC(2023, 0, 20),
        warmupBars: 0,
        instrument: book.get,
        venueRules: binanceUsdm,
        breaker: null,
      },
      feeds,
    );
    e.runToEnd();
    const events = e.store.raw();
    const of = (id: string | null | undefined) =>
      events.filter((x) => x.streamId === `order-${id}`).map((x) => x.type);
    expect(ids.limit).toBeTruthy();
    // What the IOC and the resting order must do follows from the next bars of the real data.
    const bars = feeds.bars.get('BTCUSDT')!;
    const k = bars.openTime.indexOf(placedAt.t);
    const iocPrice = Number(
      (events.find((x) => x.streamId === `order-${ids.ioc}`)!.data as { price: string }).price,
    );
    const reached = (i: number) => bars.low[i]! < iocPrice;
    expect(of(ids.ioc)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      reached(k) ? 'OrderFilled' : 'OrderExpired',
    ]);
    expect(of(ids.resting)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      reached(k) || reached(k + 1) ? 'OrderFilled' : 'OrderCancelled',
    ]);
    expect(ids.cancelled).toBe(String(!(reached(k) || reached(k + 1))));
    expect(of(ids.limit)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    const req = events.find((x) => x.streamId === `order-${ids.limit}` && x.type === 'OrderRequested')!
      .data as { price: string };
    const fill = events.find((x) => x.streamId === `order-${ids.limit}` && x.type === 'OrderFilled')!
      .data as { price: string; liquidity: string };
    expect(fill).toMatchObject({ price: req.price, liquidity: 'maker' });
    expect(of(ids.market)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    for (const id of [ids.limit, ids.ioc, ids.resting, ids.market]) {
      const first = events.find((x) => x.streamId === `order-${id}`)!;
      expect(events.find((x) => x.eventId === first.metadata.causationId)!.type).toBe('RiskDecided');
    }
  });

  it('an EMA strategy written inline sees only closed bars', async () => {
    const seen: number[] = [];
    const spy: StrategyDefinition = {
      id: 'spy',
      version: '0.0.1',
      description: 'records what it sees',
      timeframe: '1h',
      params: z.object({}),
      create: () => {
        const ema = new Ema(3);
        return {
          onBar(bar, ctx) {
            ema.update(bar.close);
            expect(ctx.close(bar.symbol, 0)).toBe(bar.close);
            expect(ctx.now).toBe(bar.closeTime);
            seen.push(bar.closeTime);
          },
        };
      },
    };
    const book = await instrumentBookOnce();
    const { feeds } = loadFeeds(['ETHUSDT'], '1h');
    new Engine(
      {
        ...defaultEngineSettings,
        runId: 'spy',
        strategy: spy,
        params: {},
        symbols: ['ETHUSDT'],
        from: Date.UTC(2023, 0, 1),
        to: Date.UTC(2023, 0, 2),
        instrument: book.get,
        venueRules: binanceUsdm,
      },
      feeds,
    ).runToEnd();
    expect(seen).toHaveLength(24);
    expect(seen[0]).toBe(Date.UTC(2023, 0, 1, 1));
  });
});

describe('a run on too little capital', () => {
  it('says once per symbol that its entries size below the venue minimum and are not placed', async () => {
    // 100 USDT risking 1 % a trade sizes BTCUSDT entries far below Binance's 100 USDT minimum notional.
    const small = await runBacktest({ ...H1, symbols: ['BTCUSDT'], initialBalance: '100' });
    expect(small.engine.store.raw().filter((e) => e.type === 'OrderRequested')).toEqual([]);
    expect(small.engine.tooSmall).toHaveLength(1);
    expect(small.engine.tooSmall[0]).toMatch(
      /^BTCUSDT: an entry sized at \d+\.\d\d USDT is below the venue's minimum \(100 USDT notional, 0\.001 BTC\), so it is not placed; the run sizes on \d+\.\d\d USDT of equity$/,
    );
    // With the default capital it trades, and says nothing.
    const enough = await runBacktest({ ...H1, symbols: ['BTCUSDT'] });
    expect(enough.engine.tooSmall).toEqual([]);
    expect(enough.engine.store.raw().some((e) => e.type === 'OrderRequested')).toBe(true);
  });
});
