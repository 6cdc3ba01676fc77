import { ChevronDown, ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import type { Candidate, HotlistScan, PriceRange, SafeLeverage } from '@/api/hotlist-types';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtCompact, fmtMeasure, fmtPct, fmtSignedPct, fmtTime, pnlClass } from '@/lib/format';
import { RiskLabelBadge, RiskLabels, ScoreBar, StatusBadge } from './labels';

/** Prices span BTC's tens of thousands to a meme coin's fractions of a cent: significant digits, not decimals. */
const price = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 });
export const fmtPrice = (v: number): string => (Number.isFinite(v) ? price.format(v) : '—');
/** A range in a table cell: four digits tell where the price went; the detail keeps six. */
const rangePrice = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const fmtRangePrice = (v: number): string => (Number.isFinite(v) ? rangePrice.format(v) : '—');

interface Actions {
  onEnable: (symbol: string) => void;
  onDecline: (symbol: string) => void;
}

export function RankingCard({
  scan,
  configured,
  ...actions
}: { scan: HotlistScan; configured: string[] } & Actions) {
  return (
    <Card>
      <CardHeader className="flex-wrap">
        <CardTitle>Ranking of the latest scan</CardTitle>
        <CardDescription data-testid="hotlist-scan" data-scan-id={scan.scanId}>
          market time {fmtTime(scan.at)} · source {scan.source} · scan{' '}
          <span className="font-mono">{scan.scanId}</span>
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {scan.candidates.length === 0 ? (
          <div className="py-6 text-center text-xs text-muted-foreground">this scan ranked no symbol</div>
        ) : (
          <RankingTable candidates={scan.candidates} configured={configured} {...actions} />
        )}
        <Skipped skipped={scan.skipped} />
      </CardContent>
    </Card>
  );
}

const columns = 10;

function RankingTable({
  candidates,
  configured,
  onEnable,
  onDecline,
}: { candidates: Candidate[]; configured: string[] } & Actions) {
  const [open, setOpen] = useState<string | null>(null);
  const rows = [...candidates].sort((a, b) => a.rank - b.rank);
  return (
    <Table data-testid="hotlist-ranking">
      <TableHeader>
        <TableRow>
          <TableHead>rank</TableHead>
          <TableHead>symbol</TableHead>
          <TableHead>score</TableHead>
          <TableHead className="text-right whitespace-normal">
            last price
            <div className="font-normal">24h range · next 24h ±1σ</div>
          </TableHead>
          <TableHead className="text-right">24h</TableHead>
          <TableHead className="text-right">24h turnover</TableHead>
          <TableHead className="text-right whitespace-normal">safe leverage</TableHead>
          <TableHead>risk labels</TableHead>
          <TableHead>status</TableHead>
          <TableHead />
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((c) => {
          const expanded = open === c.symbol;
          return (
            <Fragment key={c.symbol}>
              <TableRow data-testid="candidate-row" data-symbol={c.symbol} data-status={c.status}>
                <TableCell>
                  <button
                    type="button"
                    className="flex items-center gap-1 text-muted-foreground hover:text-foreground"
                    aria-expanded={expanded}
                    aria-label={`${expanded ? 'hide' : 'show'} how ${c.symbol} scored`}
                    onClick={() => setOpen(expanded ? null : c.symbol)}
                    data-testid="candidate-expand"
                  >
                    {expanded ? <ChevronDown className="size-4" /> : <ChevronRight className="size-4" />}
                    <span className="tabular text-foreground">{c.rank}</span>
                  </button>
                </TableCell>
                <TableCell className="font-medium">{c.symbol}</TableCell>
                <TableCell>
                  <ScoreBar value={c.score} />
                </TableCell>
                <TableCell className="text-right">
                  <div>{fmtPrice(c.lastPrice)}</div>
                  <RangeCell range={c.priceRange ?? null} />
                </TableCell>
                <TableCell className={`text-right ${pnlClass(c.return24h)}`}>
                  {fmtSignedPct(c.return24h)}
                </TableCell>
                <TableCell className="text-right" title={`${c.turnover24h} USDT`}>
                  {fmtCompact(c.turnover24h)} USDT
                </TableCell>
                <TableCell className="text-right">
                  <LeverageCell leverage={c.safeLeverage ?? null} />
                </TableCell>
                <TableCell className="max-w-60">
                  <RiskLabels labels={c.labels} />
                </TableCell>
                <TableCell>
                  <StatusBadge status={c.status} configured={configured.includes(c.symbol)} />
                </TableCell>
                <TableCell className="text-right whitespace-nowrap">
                  {/* A configured symbol is traded without the hotlist: the server refuses to enable it. */}
                  {c.status !== 'whitelisted' && !configured.includes(c.symbol) && (
                    // Stacked: side by side they would push the table past the card on a laptop screen.
                    <div className="flex flex-col items-stretch gap-1">
                      <Button size="sm" onClick={() => onEnable(c.symbol)} data-testid="enable">
                        Enable…
                      </Button>
                      {c.status === 'candidate' && (
                        <Button
                          size="sm"
                          variant="outline"
                          onClick={() => onDecline(c.symbol)}
                          data-testid="decline"
                        >
                          Decline…
                        </Button>
                      )}
                    </div>
                  )}
                </TableCell>
              </TableRow>
              {expanded && (
                <TableRow
                  className="hover:bg-transparent"
                  data-testid="candidate-detail"
                  data-symbol={c.symbol}
                >
                  <TableCell colSpan={columns} className="bg-muted/20">
                    <CandidateDetail candidate={c} />
                  </TableCell>
                </TableRow>
              )}
            </Fragment>
          );
        })}
      </TableBody>
    </Table>
  );
}

const notComputed = 'not computed: this scan was recorded before price ranges and safe leverage existed';

/**
 * Under the last price: where it traded in the last 24h, then the next 24h's ±1σ band. What happened,
 * then what to expect, beside the price they are about.
 */
function RangeCell({ range }: { range: PriceRange | null }) {
  if (!range) return null;
  return (
    <div
      className="text-[11px] leading-tight whitespace-nowrap"
      title={range.detail}
      data-testid="candidate-range"
      data-low={range.low24h}
      data-high={range.high24h}
    >
      <div className="tabular text-muted-foreground">
        24h {fmtRangePrice(range.low24h)} – {fmtRangePrice(range.high24h)}
      </div>
      <div className="tabular text-muted-foreground">
        ±1σ {fmtRangePrice(range.expected1.low)} – {fmtRangePrice(range.expected1.high)}
      </div>
    </div>
  );
}

function LeverageCell({ leverage }: { leverage: SafeLeverage | null }) {
  if (!leverage) return <span className="text-xs text-muted-foreground">—</span>;
  return (
    <div
      className="leading-tight"
      title={leverage.detail}
      data-testid="candidate-leverage"
      data-leverage={leverage.leverage}
    >
      <div className="tabular text-sm font-medium">{leverage.leverage}×</div>
      {leverage.maxLeverage !== null && (
        <div className="tabular text-[11px] text-muted-foreground">of {leverage.maxLeverage}×</div>
      )}
    </div>
  );
}

/** The two sizing figures in full: their numbers and the sentence that says how each was worked out. */
function RiskFigures({ candidate: c }: { candidate: Candidate }) {
  const r = c.priceRange;
  const l = c.safeLeverage;
  if (!r || !l) return <p className="text-xs text-muted-foreground">{notComputed}</p>;
  return (
    <div className="space-y-2">
      <div className="space-y-0.5" data-testid="range-detail">
        <div className="flex flex-wrap items-center gap-3 text-xs">
          <span className="w-28 font-medium">price range</span>
          <span className="tabular">
            24h {fmtPrice(r.low24h)} – {fmtPrice(r.high24h)}
          </span>
          <span className="tabular text-muted-foreground">
            ±1σ {fmtPrice(r.expected1.low)} – {fmtPrice(r.expected1.high)} · ±2σ {fmtPrice(r.expected2.low)} –{' '}
            {fmtPrice(r.expected2.high)}
          </span>
        </div>
        <p className="text-xs whitespace-normal text-muted-foreground">{r.detail}</p>
      </div>
      <div className="space-y-0.5" data-testid="leverage-detail">
        <div className="flex flex-wrap items-center gap-3 text-xs">
          <span className="w-28 font-medium">safe leverage</span>
          <span className="tabular">{l.leverage}×</span>
          <span className="tabular text-muted-foreground">
            severe 24h move {fmtPct(l.severeMove, 1)} · maintenance{' '}
            {l.maintenanceRate === null ? 'unknown' : fmtPct(l.maintenanceRate, 2)} · venue cap{' '}
            {l.maxLeverage === null ? 'unknown' : `${l.maxLeverage}×`}
          </span>
        </div>
        <p className="text-xs whitespace-normal text-muted-foreground">{l.detail}</p>
      </div>
    </div>
  );
}

/** Why the candidate ranks where it does: each dimension's score and the numbers behind it, then its labels in full. */
function CandidateDetail({ candidate: c }: { candidate: Candidate }) {
  return (
    <div className="grid gap-4 py-2 lg:grid-cols-2">
      <div className="space-y-2 lg:col-span-2">
        <div className="text-xs font-medium text-muted-foreground">price range and safe leverage</div>
        <RiskFigures candidate={c} />
      </div>
      <div className="space-y-2">
        <div className="text-xs font-medium text-muted-foreground">dimensions</div>
        {c.dimensions.map((d) => (
          <div key={d.name} className="space-y-0.5" data-testid="dimension" data-name={d.name}>
            <div className="flex items-center gap-3 text-xs">
              <span className="w-28 font-medium">{d.name}</span>
              <ScoreBar value={d.score} />
              <span className="text-muted-foreground">value {fmtMeasure(d.value)}</span>
            </div>
            <p className="text-xs whitespace-normal text-muted-foreground">{d.detail}</p>
          </div>
        ))}
      </div>
      <div className="space-y-2">
        <div className="text-xs font-medium text-muted-foreground">risk labels</div>
        {c.labels.length === 0 && <p className="text-xs text-muted-foreground">none in this scan</p>}
        {c.labels.map((l) => (
          <div key={l.code} className="flex items-start gap-2 text-xs">
            <RiskLabelBadge label={l} />
            <span className="whitespace-normal text-muted-foreground">{l.detail}</span>
          </div>
        ))}
        <p className="pt-1 text-[11px] text-muted-foreground">
          {c.bars} bars read · last bar opened {fmtTime(c.lastBarOpen)}
        </p>
      </div>
    </div>
  );
}

function Skipped({ skipped }: { skipped: HotlistScan['skipped'] }) {
  if (skipped.length === 0) return null;
  return (
    <div className="space-y-1" data-testid="hotlist-skipped">
      <div className="text-xs font-medium text-muted-foreground">skipped by this scan</div>
      <ul className="space-y-0.5 text-xs">
        {skipped.map((s) => (
          <li key={s.symbol} data-symbol={s.symbol}>
            <span className="font-medium">{s.symbol}</span>
            <span className="text-muted-foreground">: {s.reason}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
