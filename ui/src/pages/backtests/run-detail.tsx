import { useMemo } from 'react';
import { isFinished, useBacktest } from '@/api/hooks';
import type { BacktestReport, BacktestRun, BacktestTrade } from '@/api/types';
import { toSeries } from '@/components/charts/chart-base';
import { LineChart } from '@/components/charts/line-chart';
import { Fee } from '@/components/fee';
import { KpiGrid } from '@/components/kpi-grid';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtDecimal, fmtNum, fmtPct, fmtTime, toMillis, toNumber } from '@/lib/format';

export function Progress({ value }: { value: number }) {
  const pct = Math.max(0, Math.min(1, value));
  return (
    <div
      className="h-2 w-full rounded bg-muted"
      role="progressbar"
      aria-valuenow={Math.round(pct * 100)}
      aria-valuemin={0}
      aria-valuemax={100}
      data-testid="backtest-progress"
    >
      <div className="h-2 rounded bg-primary transition-all" style={{ width: `${pct * 100}%` }} />
    </div>
  );
}

function Trades({ trades }: { trades: BacktestTrade[] }) {
  if (trades.length === 0) return <div className="text-xs text-muted-foreground">no trades in this run</div>;
  return (
    <Table data-testid="backtest-trades">
      <TableHeader>
        <TableRow>
          <TableHead>symbol</TableHead>
          <TableHead>side</TableHead>
          <TableHead>opened</TableHead>
          <TableHead>closed</TableHead>
          <TableHead className="text-right">entry</TableHead>
          <TableHead className="text-right">exit</TableHead>
          <TableHead
            className="text-right"
            title="commissions less maker rebates: negative when the rebates were larger"
          >
            fees
          </TableHead>
          <TableHead className="text-right">net PnL</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {trades.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: trades have no id; the report never changes once done
          <TableRow key={`${t.symbol}-${t.openedAt}-${i}`}>
            <TableCell className="font-medium">{t.symbol}</TableCell>
            <TableCell>
              <Badge variant={t.side === 'long' ? 'positive' : 'destructive'}>{t.side}</Badge>
            </TableCell>
            <TableCell className="text-xs">{fmtTime(t.openedAt)}</TableCell>
            <TableCell className="text-xs">{t.closedAt === null ? 'open' : fmtTime(t.closedAt)}</TableCell>
            <TableCell className="text-right">{fmtDecimal(t.entryPrice)}</TableCell>
            <TableCell className="text-right">{fmtDecimal(t.exitPrice)}</TableCell>
            <TableCell className="text-right">
              <Fee value={t.fees} text={fmtNum(toNumber(t.fees ?? null), 4)} />
            </TableCell>
            <TableCell className="text-right">
              <Pnl value={t.netPnl ?? t.realisedPnl ?? null} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Report({ report }: { report: BacktestReport }) {
  const curve = report.equity;
  const series = useMemo(
    () => [
      {
        name: 'equity',
        points: toSeries(
          curve,
          (p) => toMillis(p.at),
          (p) => toNumber(p.equity),
        ),
      },
    ],
    [curve],
  );
  const hash = report.eventLogHash;
  return (
    <div className="space-y-4" data-testid="backtest-report">
      {(report.notes ?? []).length > 0 && (
        <ul className="space-y-1 text-xs text-muted-foreground" data-testid="backtest-notes">
          {report.notes!.map((n) => (
            <li key={n}>note: {n}</li>
          ))}
        </ul>
      )}
      <KpiGrid kpis={report.kpis} />
      {series[0] && series[0].points.length > 0 ? (
        <LineChart series={series} />
      ) : (
        <div className="text-xs text-muted-foreground">the run recorded no equity marks</div>
      )}
      <Trades trades={report.trades ?? []} />
      {hash && (
        <div className="font-mono text-[11px] break-all text-muted-foreground">event-log hash {hash}</div>
      )}
    </div>
  );
}

function Header({ run }: { run: BacktestRun }) {
  const failed = run.status === 'failed';
  const { venue, feeTier, feeRates } = run.request;
  const venueName = venue === 'bybit' ? 'Bybit' : venue === 'okx' ? 'OKX' : null;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-mono">{run.runId}</span>
        <Badge variant="outline">{run.request.strategyId}</Badge>
        {run.request.symbols.map((s) => (
          <Badge key={s} variant="secondary">
            {s}
          </Badge>
        ))}
        <span className="text-xs text-muted-foreground" data-testid="backtest-settings">
          {run.request.initialBalance ?? '10000'} USDT · {run.request.leverage ?? 5}× ·{' '}
          {/* Own rates replace the tier's on every symbol: the tier no longer says what a fill pays. */}
          {feeRates
            ? `${venueName ? `${venueName} · ` : ''}own rates: maker ${feeRates.maker}, taker ${feeRates.taker}`
            : `${venueName ? `${venueName} ` : ''}${feeTier ?? 'VIP0'}`}
        </span>
        <Badge
          variant={failed ? 'destructive' : isFinished(run.status) ? 'positive' : 'default'}
          data-testid="backtest-status"
        >
          {run.status}
        </Badge>
        <span className="ml-auto tabular text-xs text-muted-foreground">{fmtPct(run.progress ?? 0, 0)}</span>
      </div>
      <Progress value={run.progress ?? 0} />
      {failed && run.error && <p className="text-xs text-destructive">{run.error}</p>}
    </div>
  );
}

export function RunDetail({ runId }: { runId: string }) {
  const run = useBacktest(runId);
  return (
    <QueryState query={run}>
      {(r) => (
        <div className="space-y-4">
          <Header run={r} />
          {r.report && <Report report={r.report} />}
        </div>
      )}
    </QueryState>
  );
}
