import { describe, expect, it } from 'vitest';
import { catalogue } from '../../domain/catalogue.js';
import type { Mode, RecordedEvent } from '../../domain/events/envelope.js';
import { alertEventTypes, alertOf, severitiesFrom } from './alert-of.js';

const cat = catalogue();
const T = Date.UTC(2023, 5, 10, 12);

/** An event as the log holds it; its data must pass the type's schema, so a renamed field fails here. */
const ev = (
  type: string,
  data: unknown,
  over: { streamId?: string; mode?: Mode; actor?: string; checked?: boolean } = {},
): RecordedEvent => {
  if (over.checked !== false) cat.definition(type)!.schema.parse(data);
  return {
    eventId: '0189a1b2-0000-7000-8000-000000000001',
    streamId: over.streamId ?? 'some-stream',
    streamVersion: 1,
    globalPosition: 42,
    type,
    schemaVersion: cat.definition(type)?.schemaVersion ?? 1,
    data,
    metadata: {
      correlationId: 'corr-1',
      causationId: null,
      actor: over.actor ?? 'system:test',
      mode: over.mode ?? 'paper',
      occurredAt: new Date(T).toISOString(),
      recordedAt: new Date(T).toISOString(),
    },
  };
};

const measured = {
  drawdown: 0.125,
  lossStreak: 3,
  slippage: 2,
  errorRate: 0,
  staleness: 0,
  marginRatio: 0.04,
};
const thresholds = { drawdown: { warn: 0.05, reduce: 0.08, halt: 0.12, flatten: 0.2 } };
const breaker = (over: Record<string, unknown>) => ({
  scope: 'strategy',
  scopeId: 'bollinger-rsi',
  from: 'reduce',
  to: 'halt',
  direction: 'up',
  at: T,
  measured,
  triggers: [
    { metric: 'drawdown', level: 'halt', value: 0.125, threshold: 0.12 },
    { metric: 'lossStreak', level: 'warn', value: 4, threshold: 4 },
  ],
  thresholds,
  cooldownMs: 3_600_000,
  approvedBy: null,
  ...over,
});

describe('alertOf: breakers', () => {
  it('a rise to halt is critical and names the metrics that tripped it, the worst first', () => {
    const a = alertOf(ev('BreakerLevelChanged', breaker({}), { streamId: 'breaker-strategy-bollinger-rsi' }));
    expect(a).toMatchObject({ severity: 'critical', scope: 'strategy', subject: 'bollinger-rsi' });
    expect(a!.title).toBe(
      'Strategy bollinger-rsi breaker reduce → halt: drawdown 12.5% ≥ 12% (halt); loss streak 4 ≥ 4 (warn)',
    );
    expect(a!.detail).toContain('no new entries');
    expect(a!.detail).toContain('margin ratio 4%');
  });

  it('warn and reduce are warnings, flatten is critical', () => {
    const to = (from: string, level: string) =>
      alertOf(
        ev(
          'BreakerLevelChanged',
          breaker({
            scope: 'account',
            scopeId: 'paper-1',
            from,
            to: level,
            triggers: [{ metric: 'marginRatio', level, value: 0.93, threshold: 0.9 }],
          }),
        ),
      );
    expect(to('normal', 'warn')?.severity).toBe('warning');
    expect(to('warn', 'reduce')?.severity).toBe('warning');
    const flat = to('halt', 'flatten');
    expect(flat?.severity).toBe('critical');
    expect(flat?.scope).toBe('account');
    expect(flat?.title).toBe('Account paper-1 breaker halt → flatten: margin ratio 93% ≥ 90% (flatten)');
  });

  it('a step down is info and says who approved it', () => {
    const a = alertOf(
      ev(
        'BreakerLevelChanged',
        breaker({ from: 'halt', to: 'warn', direction: 'down', triggers: [], approvedBy: 'user:alice' }),
      ),
    );
    expect(a?.severity).toBe('info');
    expect(a?.title).toBe('Strategy bollinger-rsi breaker stepped down halt → warn, approved by user:alice');
  });

  it("a new run starting at its predecessor's level says so, as severe as the level", () => {
    const carried = (to: string) =>
      alertOf(
        ev(
          'BreakerLevelChanged',
          breaker({ scopeId: 'real-b', from: 'normal', to, triggers: [], carriedFrom: 'real-a' }),
        ),
      );
    expect(carried('reduce')).toMatchObject({
      severity: 'warning',
      subject: 'real-b',
      title:
        'Strategy real-b breaker starts at reduce, where the run before it (real-a) stood; a person steps it down',
    });
    expect(carried('halt')?.severity).toBe('critical');
  });

  it("a backtest's breakers and liquidations are not alerts", () => {
    expect(alertOf(ev('BreakerLevelChanged', breaker({}), { mode: 'backtest' }))).toBeNull();
    expect(
      alertOf(ev('RunCompleted', runCompleted('failed', 'boom'), { mode: 'backtest', streamId: 'run-bt-1' })),
    ).toBeNull();
  });
});

const liquidation = {
  symbol: 'ETHUSDT',
  positionSide: 'BOTH',
  marginType: 'cross',
  quantity: '-2.5',
  markPrice: '1890.12',
  entryPrice: '1750.00',
  realisedPnl: '-350.30',
  marginBalance: '12.40',
  maintenanceMargin: '23.63',
};

const fill = (forced?: string) => ({
  orderId: 'x-889',
  fillSeq: 1,
  tradeId: 't-1',
  strategyId: 'ema-cross',
  symbol: 'BTCUSDT',
  side: 'SELL',
  positionSide: 'BOTH',
  marginType: 'cross',
  leverage: 5,
  quantity: '0.010',
  price: '25010.5',
  liquidity: 'taker',
  realisedPnl: '-41.20',
  isolatedMarginDelta: '0',
  positionQuantity: '0',
  entryPrice: '0',
  ...(forced ? { forced } : {}),
});

describe('alertOf: the ledger', () => {
  it('a liquidation is critical, on the account its stream names', () => {
    const a = alertOf(ev('PositionLiquidated', liquidation, { streamId: 'account-binance:paper-1' }));
    expect(a).toMatchObject({ severity: 'critical', scope: 'account', subject: 'paper-1' });
    expect(a!.title).toBe(
      'ETHUSDT short 2.5 liquidated on account paper-1 at mark 1890.12: realised -350.30',
    );
    expect(a!.detail).toContain('Margin balance 12.40 ≤ maintenance margin 23.63');
    const covered = alertOf(
      ev('PositionLiquidated', { ...liquidation, insuranceFundCovered: '4.1' }, { streamId: 'account-b:a' }),
    );
    expect(covered!.detail).toContain('insurance fund covered 4.1');
  });

  it("the exchange's forced fills on a real account alert; our own fills do not", () => {
    const stream = { streamId: 'account-binance:live-ema', mode: 'live' as const };
    expect(alertOf(ev('FillSettled', fill(), stream))).toBeNull();
    const liq = alertOf(ev('FillSettled', fill('liquidation'), stream));
    expect(liq).toMatchObject({ severity: 'critical', subject: 'live-ema' });
    expect(liq!.title).toBe(
      'Exchange liquidated BTCUSDT on account live-ema: SELL 0.010 @ 25010.5, realised -41.20',
    );
    expect(alertOf(ev('FillSettled', fill('adl'), stream))?.severity).toBe('warning');
    expect(alertOf(ev('FillSettled', fill('settlement'), stream))?.title).toContain('settled (delisting)');
  });

  it('a rejected order is not an alert (one a minute would bury the ones that matter)', () => {
    expect(alertOf(ev('OrderRejected', { orderId: 'o-1', reason: 'margin is insufficient' }))).toBeNull();
  });
});

const runCompleted = (reason: string, error: string | null) => ({
  runId: 'paper-ema-cross-1',
  bars: 1200,
  events: 9000,
  finalEquity: 10234.5678,
  reason,
  error,
});

describe('alertOf: runs', () => {
  it('a failed run is critical with its error on one line; a finished one is not an alert', () => {
    const a = alertOf(
      ev('RunCompleted', runCompleted('failed', 'venue refused: -2019\n  at placeOrder'), {
        streamId: 'run-paper-ema-cross-1',
      }),
    );
    expect(a).toMatchObject({ severity: 'critical', scope: 'run', subject: 'paper-ema-cross-1' });
    expect(a!.title).toBe('paper run paper-ema-cross-1 failed: venue refused: -2019 at placeOrder');
    expect(a!.detail).toContain('Stopped after 1200 bars with equity 10230');
    expect(alertOf(ev('RunCompleted', runCompleted('end-of-data', null)))).toBeNull();
    expect(alertOf(ev('RunCompleted', runCompleted('stopped', null)))).toBeNull();
  });

  it('what the exchange recorded that the run could not book is a warning', () => {
    const a = alertOf(
      ev(
        'ExchangeRecordUnbooked',
        {
          record: 'funding',
          symbol: 'BTCUSDT',
          ref: 'inc-77',
          time: T,
          amount: '-1.25',
          unit: 'USDT',
          why: 'the run holds no BTCUSDT position',
        },
        { streamId: 'run-live-ema-1', mode: 'live' },
      ),
    );
    expect(a).toMatchObject({ severity: 'warning', scope: 'run', subject: 'live-ema-1' });
    expect(a!.title).toBe(
      'Run live-ema-1, BTCUSDT: funding -1.25 USDT on a position the run does not hold; not booked',
    );
    expect(a!.detail).toContain('the run holds no BTCUSDT position');
  });

  it('a symbol set aside is a warning, its return is info', () => {
    const aside = alertOf(
      ev(
        'SymbolSetAside',
        {
          venue: 'binance',
          symbol: 'LTCUSDT',
          lastBarClose: T,
          waitedMs: 600_000,
          position: '3.0',
          why: 'the venue stopped publishing its bars',
        },
        { streamId: 'run-live-1', mode: 'live' },
      ),
    );
    expect(aside?.severity).toBe('warning');
    expect(aside?.title).toBe(
      'Run live-1 set LTCUSDT aside on binance: no bar for 10 min past its close (position 3.0)',
    );
    const back = alertOf(
      ev(
        'SymbolRejoined',
        { venue: 'binance', symbol: 'LTCUSDT', firstBarOpen: T, runAt: T, skippedBars: 1, position: '3.0' },
        { streamId: 'run-live-1', mode: 'live' },
      ),
    );
    expect(back?.severity).toBe('info');
    expect(back?.title).toBe('Run live-1: LTCUSDT is back on binance, 1 bar skipped (position 3.0)');
  });
});

describe('alertOf: feeds', () => {
  const feed = (mode: string, over: Record<string, unknown> = {}) => ({
    runId: 'live-ema-1',
    strategyId: 'ema-cross',
    mode,
    feed: 'bars',
    symbol: 'BTCUSDT',
    since: T,
    at: T + 5 * 60_000,
    detail: 'no closed bar for 3 intervals',
    ...over,
  });

  it('a feed that stops is a warning on paper and critical with real money; its return is info', () => {
    const live = alertOf(ev('FeedInterrupted', feed('live'), { streamId: 'feed-live-ema-1', mode: 'live' }));
    expect(live).toMatchObject({ severity: 'critical', scope: 'run', subject: 'live-ema-1' });
    expect(live!.title).toBe(
      "Feed interrupted for live run live-ema-1 (ema-cross): BTCUSDT's bars since 2023-06-10T12:00:00.000Z",
    );
    expect(live!.detail).toBe('no closed bar for 3 intervals');
    expect(alertOf(ev('FeedInterrupted', feed('paper', { feed: 'venue', symbol: null })))).toMatchObject({
      severity: 'warning',
      title:
        'Feed interrupted for paper run live-ema-1 (ema-cross): the venue (bar fetches) since 2023-06-10T12:00:00.000Z',
    });
    const back = alertOf(ev('FeedRestored', feed('canary', { feed: 'marks' }), { mode: 'canary' }));
    expect(back?.severity).toBe('info');
    expect(back?.title).toBe(
      'Feed restored for canary run live-ema-1 (ema-cross): mark prices of BTCUSDT back after 5 min',
    );
  });
});

describe('alertOf: the real account’s venue', () => {
  const latency = { p50Ms: 140, p90Ms: 2_300, calls: 20, degradedMs: 1_500, recoverMs: 750 };
  const health = (over: Record<string, unknown>) => ({
    venue: 'binance',
    aspect: 'latency',
    state: 'degraded',
    since: T,
    at: T,
    detail: 'orders take 2300 ms (90th percentile of the last 20 placed or cancelled; slow from 1500 ms)',
    latency,
    ...over,
  });

  it('a slow venue is a warning, a lost user stream critical, either one coming back info', () => {
    const slow = alertOf(ev('VenueHealthChanged', health({}), { streamId: 'venue-binance', mode: 'live' }));
    expect(slow).toEqual({
      severity: 'warning',
      scope: 'system',
      subject: 'binance',
      title: 'binance: orders are slow since 2023-06-10T12:00:00.000Z',
      detail: 'orders take 2300 ms (90th percentile of the last 20 placed or cancelled; slow from 1500 ms)',
    });
    const fast = alertOf(
      ev('VenueHealthChanged', health({ state: 'normal', at: T + 40 * 60_000, detail: 'fast' }), {
        mode: 'live',
      }),
    );
    expect(fast).toMatchObject({ severity: 'info', title: 'binance: orders fast again after 40 min' });
    const lost = health({
      aspect: 'user-stream',
      latency: undefined,
      detail: 'binance: user stream down: closed',
    });
    delete (lost as { latency?: unknown }).latency;
    expect(alertOf(ev('VenueHealthChanged', lost, { mode: 'live' }))).toMatchObject({
      severity: 'critical',
      title: 'binance: user stream (fills, order updates) lost since 2023-06-10T12:00:00.000Z',
    });
    expect(
      alertOf(ev('VenueHealthChanged', { ...lost, state: 'normal', at: T + 90_000 }, { mode: 'live' })),
    ).toMatchObject({ severity: 'info', title: 'binance: user stream back after 90 s' });
  });

  it('a 429 is a warning and a 418 ban critical, each saying until when; the end is info', () => {
    const stop = (status: 429 | 418) => {
      const d = health({ aspect: 'rate-limit', detail: 'held', rate: { status, until: T + 120_000 } });
      delete (d as { latency?: unknown }).latency;
      return alertOf(ev('VenueHealthChanged', d, { streamId: 'venue-binance', mode: 'live' }));
    };
    expect(stop(429)).toEqual({
      severity: 'warning',
      scope: 'system',
      subject: 'binance',
      title:
        'binance: rate limit hit, nothing is sent since 2023-06-10T12:00:00.000Z, until 2023-06-10T12:02:00.000Z',
      detail: 'held',
    });
    expect(stop(418)).toMatchObject({
      severity: 'critical',
      title:
        'binance: IP banned by the exchange since 2023-06-10T12:00:00.000Z, until 2023-06-10T12:02:00.000Z',
    });
    const back = health({ aspect: 'rate-limit', state: 'normal', at: T + 120_000, detail: 'again' });
    delete (back as { latency?: unknown }).latency;
    expect(alertOf(ev('VenueHealthChanged', back, { mode: 'live' }))).toMatchObject({
      severity: 'info',
      title: 'binance: calls go through again after 2 min',
    });
  });
});

describe('alertOf: the desk’s risk limits', () => {
  it('a change is info naming the layer, the limits, who and why; a removal says so', () => {
    const set = {
      changeId: 'c-1',
      scope: 'symbol',
      key: 'BTCUSDT',
      limits: { maxLeverage: 3, disabled: ['order-rate'] },
      approver: 'user:alice',
      reason: 'BTC at most 3x this week',
    };
    expect(alertOf(ev('RiskLimitsSet', set, { streamId: 'risk-limits', mode: 'live' }))).toEqual({
      severity: 'info',
      scope: 'system',
      subject: 'symbol:BTCUSDT',
      title: 'Risk limits of the symbol BTCUSDT set by user:alice: maxLeverage 3, disabled order-rate',
      detail: 'BTC at most 3x this week. Every run takes it from its next decision.',
    });
    expect(
      alertOf(ev('RiskLimitsSet', { ...set, scope: 'defaults', key: null, limits: {} }, { mode: 'live' }))
        ?.title,
    ).toBe('Risk limits of the desk defaults set by user:alice: override removed');
  });
});

const reopt = (trigger: unknown) => ({ strategyId: 'donchian-breakout', requestId: 'r-1', trigger });

describe('alertOf: the optimizer', () => {
  it('a KPI trigger is a warning listing the breached checks with value, comparator and threshold', () => {
    const a = alertOf(
      ev(
        'ReoptimizationRequested',
        reopt({
          kind: 'kpi',
          window: 168,
          checks: [
            { kpi: 'rollingSharpe', value: -0.42137, comparator: '>=', threshold: 0.5, breached: true },
            { kpi: 'drawdown', value: 0.08, comparator: '<=', threshold: 0.15, breached: false },
          ],
        }),
      ),
    );
    expect(a).toMatchObject({ severity: 'warning', scope: 'strategy', subject: 'donchian-breakout' });
    expect(a!.title).toBe(
      'donchian-breakout KPIs breached, re-optimising: rollingSharpe -0.4214 (needs ≥ 0.5)',
    );
    expect(a!.detail).toBe(
      'Over the last 168 returns: rollingSharpe -0.4214 (needs ≥ 0.5) breached; drawdown 0.08 (needs ≤ 0.15) ok.',
    );
  });

  it('every KPI reads the same way, backtestPercentile and any added after it', () => {
    const trigger = (kpi: string) =>
      reopt({
        kind: 'kpi',
        window: 72,
        checks: [
          {
            kpi,
            value: 0.03,
            comparator: '>=',
            threshold: 0.1,
            breached: true,
            reference: {
              paramsVersion: 2,
              optimizerRunId: 'opt-1',
              windows: 40,
              liveReturn: -0.02,
              medianReturn: 0.01,
            },
          },
          { kpi: 'rollingSharpe', value: null, comparator: '>=', threshold: 0.5, breached: false },
        ],
      });
    const a = alertOf(ev('ReoptimizationRequested', trigger('backtestPercentile')));
    expect(a!.title).toBe(
      'donchian-breakout KPIs breached, re-optimising: backtestPercentile 0.03 (needs ≥ 0.1)',
    );
    expect(a!.detail).toContain('rollingSharpe n/a (needs ≥ 0.5) ok');
    // A name today's schema does not know yet: the mapping formats it all the same.
    const later = alertOf(ev('ReoptimizationRequested', trigger('tailRatio'), { checked: false }));
    expect(later!.title).toBe('donchian-breakout KPIs breached, re-optimising: tailRatio 0.03 (needs ≥ 0.1)');
  });

  it('a volatility trigger is info; a schedule or a person asking is not an alert', () => {
    const v = alertOf(
      ev(
        'ReoptimizationRequested',
        reopt({ kind: 'volatility', symbol: 'SUIUSDT', percentile: 0.97, threshold: 0.95, scanId: 's-1' }),
      ),
    );
    expect(v?.severity).toBe('info');
    expect(v?.title).toBe(
      'SUIUSDT volatility at the 97th percentile of its range (trigger 95th): re-optimising donchian-breakout',
    );
    expect(
      alertOf(ev('ReoptimizationRequested', reopt({ kind: 'schedule', cron: '0 0 * * 0', dueAt: T }))),
    ).toBeNull();
    expect(
      alertOf(ev('ReoptimizationRequested', reopt({ kind: 'manual', requestedBy: 'alice' }))),
    ).toBeNull();
  });

  it('a rollback is a warning naming the versions; to 0 reads as the schema defaults', () => {
    const a = alertOf(
      ev(
        'ParameterSetRolledBack',
        { strategyId: 'ema-cross', fromVersion: 3, toVersion: 0, params: { fast: 12 }, reason: 'live decay' },
        { actor: 'user:alice' },
      ),
    );
    expect(a).toMatchObject({ severity: 'warning', scope: 'strategy', subject: 'ema-cross' });
    expect(a!.title).toBe('ema-cross parameters rolled back from v3 to the schema defaults: live decay');
    expect(a!.detail).toContain('By user:alice');
  });

  it('a canary rolled back is a warning with the checks it failed; one adopted is not an alert', () => {
    const concluded = (outcome: string) => ({
      strategyId: 'ema-cross',
      proposalId: 'p2',
      version: 2,
      incumbentVersion: 1,
      outcome,
      by: 'automatic',
      reason: 'the canary drew down 7.1 %, past 5 %',
      at: T,
      checks: [
        { name: 'max-drawdown', value: 0.071, threshold: 0.05, pass: false, detail: 'drew down 7.1 %' },
        { name: 'hours', value: 30, threshold: 24, pass: true, detail: '' },
      ],
      evidence: null,
    });
    const a = alertOf(ev('ParameterCanaryConcluded', concluded('rolled-back')));
    expect(a?.severity).toBe('warning');
    expect(a?.title).toBe(
      'ema-cross canary v2 rolled back (automatic), v1 stays in force: the canary drew down 7.1 %, past 5 %',
    );
    expect(a?.detail).toBe('max-drawdown 0.071 vs 0.05: drew down 7.1 %');
    expect(alertOf(ev('ParameterCanaryConcluded', concluded('adopted')))).toBeNull();
  });
});

describe('alertOf: the lifecycle', () => {
  const stage = (reason: string, from: string, to: string) => ({
    strategyId: 'ema-cross',
    from,
    to,
    reason,
    at: T,
    detail: reason === 'demoted' ? 'the real run drew down 9 %, past the 8 % limit' : '',
    evidence: null,
    shadow: null,
    checks: [{ name: 'drawdown', value: 0.09, threshold: 0.08, pass: false, detail: '9 % > 8 %' }],
  });

  it('a demotion is a warning; a promotion or a person retiring it is not an alert', () => {
    const a = alertOf(ev('StrategyStageChanged', stage('demoted', 'prod', 'shadow')));
    expect(a).toMatchObject({ severity: 'warning', scope: 'strategy', subject: 'ema-cross' });
    expect(a!.title).toBe(
      'ema-cross demoted from prod to shadow: the real run drew down 9 %, past the 8 % limit',
    );
    expect(a!.detail).toBe('drawdown 0.09 vs 0.08: 9 % > 8 %');
    expect(alertOf(ev('StrategyStageChanged', stage('gates-met', 'paper', 'shadow')))).toBeNull();
    expect(alertOf(ev('StrategyStageChanged', stage('retired', 'paper', 'retired')))).toBeNull();
  });

  it('an account that differs from the ledgers is critical; agreement again is info', () => {
    const check = (matched: boolean, unexplained = '0') => ({
      venue: 'binance',
      at: T,
      matched,
      rows: [
        { symbol: 'BTCUSDT', exchange: '0.010', ledger: matched ? '0.010' : '0' },
        { symbol: 'ETHUSDT', exchange: '0', ledger: '0' },
      ],
      runs: ['live-ema-1'],
      wallet: { asset: 'USDT', exchange: '1000', ledgers: '10', baseline: '990', unexplained },
    });
    const diff = alertOf(ev('AccountReconciled', check(false), { streamId: 'account-check-binance' }));
    expect(diff).toMatchObject({ severity: 'critical', scope: 'account', subject: 'binance' });
    expect(diff!.title).toBe(
      "The binance account differs from the real runs' ledgers: BTCUSDT exchange 0.010, ledgers 0",
    );
    expect(diff!.detail).toContain('taken off real money');
    expect(alertOf(ev('AccountReconciled', check(true)))?.severity).toBe('info');
    const wallet = alertOf(ev('AccountReconciled', check(true, '-25.5')));
    expect(wallet?.severity).toBe('warning');
    expect(wallet?.title).toBe("The binance wallet holds -25.5 USDT the real runs' ledgers do not explain");
  });
});

describe('alertOf: the rest', () => {
  it('events of no alert type, and the types it reads, agree', () => {
    expect(
      alertOf(
        ev(
          'NodeStarted',
          { nodeId: 'n', version: '1', store: 'pglite', migrations: [] },
          { actor: 'system:node' },
        ),
      ),
    ).toBeNull();
    expect(
      alertOf(ev('StrategyBenched', { strategyId: 'x', roundId: 'r', until: T, reason: 'cold' })),
    ).toBeNull();
    for (const type of alertEventTypes) expect(cat.has(type), type).toBe(true);
  });

  it('severities from a minimum', () => {
    expect(severitiesFrom('info')).toEqual(['info', 'warning', 'critical']);
    expect(severitiesFrom('warning')).toEqual(['warning', 'critical']);
    expect(severitiesFrom('critical')).toEqual(['critical']);
  });
});
