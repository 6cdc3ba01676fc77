import type { BacktestOutput } from './run.js';

const day = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * What the KPI table cannot say but changes how to read it: a symbol whose entries were too small to
 * place, a range the data does not cover whole, a symbol with no funding on record, a breaker that
 * stopped the trading. The CLI prints them; the API's report carries them.
 */
export const runNotes = (out: Pick<BacktestOutput, 'engine' | 'coverage'>): string[] => {
  const c = out.engine.config;
  const notes: string[] = [...out.engine.tooSmall];
  for (const cov of out.coverage) {
    if (cov.from > c.from)
      notes.push(`${cov.symbol} ${cov.timeframe} data starts at ${day(cov.from)}, after the run's start`);
    if (cov.to < c.to)
      notes.push(`${cov.symbol} ${cov.timeframe} data ends at ${day(cov.to)}, before the run's end`);
    if (!cov.funding)
      notes.push(`${cov.symbol}: no funding rates on record, so the run books no funding for it`);
  }
  let halted: { to: string; at: number; why: string } | null = null;
  for (const e of out.engine.store.raw()) {
    if (e.type !== 'BreakerLevelChanged') continue;
    const d = e.data as {
      to: string;
      at: number;
      triggers: { metric: string; value: number; threshold: number }[];
    };
    if (d.to === 'halt' || d.to === 'flatten') {
      halted ??= {
        to: d.to,
        at: d.at,
        why: d.triggers
          .map((t) => `${t.metric} ${Number(t.value.toPrecision(4))}, limit ${t.threshold}`)
          .join('; '),
      };
    } else halted = null;
  }
  // With the breaker rule off (or no risk check) the ladder still moves, but refuses nothing.
  const refuses = c.risk.enabled && !c.risk.disabledRules.includes('breaker');
  if (refuses && halted !== null && out.engine.breakerLevel === halted.to)
    notes.push(
      `the breaker went to ${halted.to} at ${day(halted.at)} (${halted.why}) and stayed there: no entry after it was ` +
        `let through (a breaker steps down only when a person approves it; --disable-rule breaker runs without it)`,
    );
  return notes;
};
