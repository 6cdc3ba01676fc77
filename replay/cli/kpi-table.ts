import type { Kpis } from '../engine/results.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const num = (x: number, dp = 2) =>
  Number.isFinite(x) ? x.toFixed(dp) : x === Number.POSITIVE_INFINITY ? '∞' : 'n/a';
const days = (ms: number) => `${(ms / 86_400_000).toFixed(1)} d`;

/** The KPI table a person reads after a run; every line is a figure from the run's events. */
export const kpiRows = (k: Kpis): [string, string][] => {
  const rows = table(k);
  // Only a run on a rebate tier has any: the others' tables stay as they were.
  if (k.rebates > 0)
    rows.splice(rows.findIndex(([name]) => name === 'fees') + 1, 0, ['maker rebates', num(k.rebates)]);
  return rows;
};

const table = (k: Kpis): [string, string][] => [
  ['start equity', num(k.startEquity)],
  ['final equity', num(k.finalEquity)],
  ['total return', pct(k.totalReturn)],
  ['CAGR', pct(k.cagr)],
  ['Sharpe', num(k.sharpe)],
  ['Sortino', num(k.sortino)],
  ['Calmar', num(k.calmar)],
  ['max drawdown', pct(k.maxDrawdown)],
  ['max drawdown duration', days(k.maxDrawdownMs)],
  ['trades', String(k.trades)],
  ['win rate', pct(k.winRate)],
  ['profit factor', num(k.profitFactor)],
  ['exposure', pct(k.exposure)],
  ['turnover', `${num(k.turnover, 1)}×`],
  ['realised PnL', num(k.realisedPnl)],
  ['fees', num(k.fees)],
  ['funding', num(k.funding)],
  ['risk: approved / resized / rejected', `${k.riskApproved} / ${k.riskResized} / ${k.riskRejected}`],
  ['stops triggered', String(k.stopsTriggered)],
  ['liquidations', String(k.liquidations)],
  ['breaker transitions', String(k.breakerTransitions)],
];

export const formatTable = (rows: readonly [string, string][]): string => {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
};
