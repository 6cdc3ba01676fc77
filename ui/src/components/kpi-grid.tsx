import type { Kpis } from '@/api/types';
import { fmtMoney, fmtNum, fmtPct } from '@/lib/format';

/** How each known KPI reads; anything else the server adds is shown as a plain number. */
const kpiFormat: Record<
  string,
  {
    label: string;
    hint?: string;
    fmt: (v: number | null) => string;
    /** Shown only when it is not 0: most runs have none, and a row of zeros says nothing. */
    unlessZero?: true;
  }
> = {
  equity: { label: 'Equity', fmt: (v) => fmtMoney(v) },
  totalReturn: { label: 'Return', fmt: (v) => fmtPct(v) },
  cagr: { label: 'CAGR', fmt: (v) => fmtPct(v) },
  sharpe: { label: 'Sharpe', fmt: (v) => fmtNum(v) },
  sortino: { label: 'Sortino', fmt: (v) => fmtNum(v) },
  calmar: { label: 'Calmar', fmt: (v) => fmtNum(v) },
  maxDrawdown: { label: 'Max DD', fmt: (v) => fmtPct(v) },
  maxDrawdownMs: {
    label: 'Max DD length',
    fmt: (v) => (v === null ? '—' : `${fmtNum(v / 86_400_000, 1)} d`),
  },
  winRate: { label: 'Win rate', fmt: (v) => fmtPct(v, 1) },
  profitFactor: { label: 'Profit factor', fmt: (v) => fmtNum(v) },
  exposure: { label: 'Exposure', fmt: (v) => fmtPct(v, 1) },
  turnover: { label: 'Turnover', fmt: (v) => fmtNum(v, 1) },
  trades: { label: 'Trades', fmt: (v) => fmtNum(v, 0) },
  fills: { label: 'Fills', fmt: (v) => fmtNum(v, 0) },
  riskApproved: { label: 'Risk approved', fmt: (v) => fmtNum(v, 0) },
  riskResized: { label: 'Risk resized', fmt: (v) => fmtNum(v, 0) },
  riskRejected: { label: 'Risk rejected', fmt: (v) => fmtNum(v, 0) },
  stopsTriggered: { label: 'Stops triggered', fmt: (v) => fmtNum(v, 0) },
  liquidations: { label: 'Liquidations', fmt: (v) => fmtNum(v, 0) },
  breakerTransitions: { label: 'Breaker changes', fmt: (v) => fmtNum(v, 0) },
  finalEquity: { label: 'Final equity', fmt: (v) => fmtMoney(v) },
  startEquity: { label: 'Start equity', fmt: (v) => fmtMoney(v) },
  realisedPnl: { label: 'Realised', fmt: (v) => fmtMoney(v) },
  fees: {
    label: 'Fees (net)',
    hint: 'commissions paid less maker rebates received: negative when the rebates were larger',
    fmt: (v) => fmtMoney(v),
  },
  rebates: {
    label: 'Maker rebates',
    hint: 'what a rebate tier paid the maker fills: already taken off the net fees',
    fmt: (v) => fmtMoney(v),
    unlessZero: true,
  },
  funding: { label: 'Funding', fmt: (v) => fmtMoney(v) },
};

const order = Object.keys(kpiFormat);

export function KpiGrid({ kpis, limit }: { kpis: Kpis | null | undefined; limit?: number }) {
  const entries = Object.entries(kpis ?? {}).filter(
    ([k, v]) => (v === null || typeof v === 'number') && !(v === 0 && kpiFormat[k]?.unlessZero),
  );
  entries.sort((a, b) => rank(a[0]) - rank(b[0]));
  const shown = limit ? entries.slice(0, limit) : entries;
  if (shown.length === 0) return <div className="text-xs text-muted-foreground">no KPIs yet</div>;
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-4 lg:grid-cols-7" data-testid="kpis">
      {shown.map(([k, v]) => {
        const f = kpiFormat[k];
        return (
          <div key={k} className="min-w-0" title={f?.hint}>
            <dt className="truncate text-[11px] text-muted-foreground">{f?.label ?? k}</dt>
            <dd className="tabular text-sm font-medium">{f ? f.fmt(v) : fmtNum(v, 3)}</dd>
          </div>
        );
      })}
    </dl>
  );
}

const rank = (k: string): number => {
  const i = order.indexOf(k);
  return i < 0 ? order.length : i;
};
