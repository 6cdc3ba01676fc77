import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { defaultRiskLimits } from '../../domain/risk/limits.js';
import { engineLogVersion } from '../engine/engine-version.js';
import { runBacktest } from '../engine/run.js';
import { explainChain, formatChain } from './explain.js';
import { persistRun } from './persist.js';
import { rerun } from './rerun.js';
import { whatIf } from './whatif.js';

/**
 * The compliance story end to end: a multi-symbol backtest whose risk engine rejects orders (a tight
 * order-rate limit) and whose stops fire, recorded in the main store; one order explained from
 * observation to stops; the run re-executed identically; a what-if that changes decisions.
 */
describe('decision-chain replay, exact re-run and counterfactual', () => {
  let opened: OpenedStore;
  let runId: string;

  beforeAll(async () => {
    opened = await openStore({ dataDir: ':memory:' });
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      from: '2023-01-01',
      to: '2023-04-01',
      params: { fast: 10, slow: 40 },
      engine: {
        riskConfig: {
          defaults: { ...defaultRiskLimits, maxOrdersPerWindow: 1, orderRateWindowMs: 24 * 3_600_000 },
        },
      },
    });
    runId = out.engine.config.runId;
    const k = out.results.kpis();
    expect(k.riskRejected).toBeGreaterThan(0);
    expect(k.stopsTriggered).toBeGreaterThan(0);
    const r = await persistRun(out.engine.store.raw(), opened.store);
    expect(r.appended).toBe(out.engine.store.raw().length);
    expect((await persistRun(out.engine.store.raw(), opened.store)).duplicates).toBe(r.appended);
  }, 240_000);

  afterAll(async () => opened.close());

  it('explains an order from the observation through risk, fills, PnL and stops', async () => {
    const { rows } = await opened.client.query<{ stream_id: string }>(
      `SELECT e.stream_id FROM events e WHERE e.type = 'StopAdjusted' ORDER BY global_position LIMIT 1`,
    );
    expect(rows.length).toBe(1);
    const stop = (await opened.store.readStream(rows[0]!.stream_id))[0]!;
    const chain = await explainChain(opened.store, stop.metadata.correlationId);
    const types = chain.links.map((l) => l.type);
    expect(types.slice(0, 4)).toEqual(['SignalEmitted', 'PositionSized', 'RiskDecided', 'OrderRequested']);
    for (const t of ['OrderAccepted', 'OrderFilled', 'FillSettled', 'FeeCharged', 'StopAdjusted'])
      expect(types).toContain(t);
    expect(chain.broken).toEqual([]);
    const orderId = (chain.links[3]!.data as { orderId: string }).orderId;
    const byOrder = await explainChain(opened.store, orderId);
    expect(byOrder.links.map((l) => l.eventId)).toEqual(chain.links.map((l) => l.eventId));
    const text = formatChain(byOrder);
    expect(text).toMatch(/risk APPROVE BUY|risk APPROVE SELL|risk RESIZE/);
    expect(text).toMatch(/order-rate \[pass\] threshold 1/);
    expect(text).toMatch(/chain complete/);
    // A later sizing, once the run has a record: the sentence says what the size was read from.
    const { rows: later } = await opened.client.query<{ correlation_id: string }>(
      `SELECT e.metadata->>'correlationId' AS correlation_id FROM events e WHERE e.type = 'PositionSized'
         AND e.data->'inputs'->'kelly' IS NOT NULL AND json_typeof(e.data->'inputs'->'kelly') = 'object'
       ORDER BY global_position DESC LIMIT 1`,
    );
    expect(later.length).toBe(1);
    const sized = formatChain(await explainChain(opened.store, later[0]!.correlation_id));
    expect(sized).toMatch(
      /sized (long|short) \w+: equity [\d.]+, σ [\d.]+ \(p\d+ of its last 500\), regime (trend_up|trend_down|range), stop distance [\d.]+, Kelly p [\d.]+ R [\d.e+]+ over \d+ trades → risk [\d.]+ % of equity → .* \(tier \d+, bracket \d+\)/,
    );
    // A chain whose link was removed names what is missing.
    const risk = chain.links[2]!;
    await opened.client.query('DELETE FROM events WHERE event_id = $1::uuid', [risk.eventId]);
    const broken = await explainChain(opened.store, orderId);
    expect(broken.broken).toEqual([expect.objectContaining({ missingCausationId: risk.eventId })]);
    expect(formatChain(broken)).toMatch(new RegExp(`BROKEN: OrderRequested .* names cause ${risk.eventId}`));
  });

  it('re-runs the recorded run identically, and shows the first divergence when the log was edited', async () => {
    const fresh = await openStore({ dataDir: ':memory:' });
    try {
      const out = await runBacktest({
        strategyId: 'bollinger-rsi',
        symbols: ['LTCUSDT', 'ETHUSDT'],
        from: '2023-02-01',
        to: '2023-04-01',
      });
      await persistRun(out.engine.store.raw(), fresh.store);
      const same = await rerun(fresh.store, out.engine.config.runId);
      expect(same).toMatchObject({ identical: true, divergence: null });
      expect(same.events).toBe(out.engine.store.raw().length);
      const filled = out.engine.store.raw().find((e) => e.type === 'OrderFilled')!;
      await fresh.client.query(
        `UPDATE events SET data = replace(data::text, '"liquidity":"taker"', '"liquidity":"maker"')::json WHERE event_id = $1::uuid`,
        [filled.eventId],
      );
      const diverged = await rerun(fresh.store, out.engine.config.runId);
      expect(diverged.identical).toBe(false);
      expect(diverged.divergence).toMatchObject({
        streamId: filled.streamId,
        streamVersion: filled.streamVersion,
        fields: ['data.liquidity'],
      });
      expect(diverged).toMatchObject({ recordedEngine: engineLogVersion, engine: engineLogVersion });

      // A run recorded by an engine before version 3: no engine version, no Kelly window or slope marks
      // in its settings. The re-run takes today's defaults for them (it used to fail on the missing
      // window) and says which engine recorded the run, so its divergence is not read as an edited log.
      const started = out.engine.store.raw().find((e) => e.type === 'RunStarted')!;
      await fresh.client.query(
        `UPDATE events SET data = (data::jsonb #- '{config,engineVersion}' #- '{config,sizing,kellyWindow}'
           #- '{config,sizing,kellyMinTrades}' #- '{config,sizing,kellyFloor}'
           #- '{config,stops,adaptive,slopeMarks}')::json WHERE event_id = $1::uuid`,
        [started.eventId],
      );
      const older = await rerun(fresh.store, out.engine.config.runId);
      expect(older).toMatchObject({ identical: false, recordedEngine: null, engine: engineLogVersion });
      expect(older.divergence).toMatchObject({ streamId: started.streamId, fields: ['data.config'] });
    } finally {
      await fresh.close();
    }
  });

  it('a what-if without the order-rate rule adds the decisions it had rejected', async () => {
    const r = await whatIf(opened.store, runId, { disableRules: ['order-rate'] });
    // Orders the rule had refused are placed. (With every order through, this strategy's losses trip the
    // breaker sooner, so the variant need not end with fewer refusals or more trades.)
    expect(r.diff.added.length).toBeGreaterThan(0);
    expect(r.kpis.delta.riskRejected).not.toBe(0);
    expect(r.chains.length).toBeGreaterThan(0);
    const p = await whatIf(opened.store, runId, { set: { slow: 60 } });
    expect(p.diff.added.length + p.diff.removed.length + p.diff.changed.length).toBeGreaterThan(0);
    await expect(whatIf(opened.store, runId, { strategyVersion: '0.9.0' })).rejects.toThrow(
      /version 0.9.0 is not available/,
    );
    await expect(whatIf(opened.store, runId, { disableRules: ['no-such-rule'] })).rejects.toThrow(
      /unknown risk rule/,
    );
  });
});
