import type { HotlistScan, MarketSentiment, SentimentBand } from '@/api/hotlist-types';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtPct } from '@/lib/format';
import { cn } from '@/lib/utils';

const bandLook: Record<SentimentBand, { text: string; variant: BadgeVariant; bar: string }> = {
  'extreme-fear': { text: 'extreme fear', variant: 'destructive', bar: 'bg-destructive' },
  fear: { text: 'fear', variant: 'warning', bar: 'bg-warning' },
  neutral: { text: 'neutral', variant: 'secondary', bar: 'bg-muted-foreground' },
  greed: { text: 'greed', variant: 'positive', bar: 'bg-positive' },
  'extreme-greed': { text: 'extreme greed', variant: 'positive', bar: 'bg-positive' },
};

const componentText: Record<string, string> = {
  momentum: 'momentum (price in its 30-day range)',
  volatility: 'volatility (inverted)',
  funding: 'funding (crowding)',
  volume: 'volume (turnover × direction)',
};

/** A 0..100 reading as a bar; a missing one says so rather than showing a neutral 50. */
function MoodBar({ value, band }: { value: number | null; band?: SentimentBand }) {
  if (value === null || !Number.isFinite(value))
    return <span className="w-32 text-xs text-muted-foreground">no data</span>;
  const w = Math.max(0, Math.min(100, value));
  return (
    <div className="flex items-center gap-2" title={String(value)}>
      <div className="relative h-1.5 w-24 overflow-hidden rounded-full bg-muted">
        <div
          className={cn('h-full rounded-full', band ? bandLook[band].bar : 'bg-primary')}
          style={{ width: `${w}%` }}
        />
      </div>
      <span className="tabular w-7 text-right text-xs">{w.toFixed(0)}</span>
    </div>
  );
}

/**
 * The scan's market mood at the top of the page: one figure for the whole scan, so a reviewer reads a
 * candidate against the market it moves in. Named for what it is, a proxy derived from the scanned
 * market, so nobody takes it for the published Crypto Fear & Greed Index.
 */
export function SentimentCard({ scan }: { scan: HotlistScan }) {
  const s: MarketSentiment | null | undefined = scan.sentiment;
  return (
    <Card data-testid="hotlist-sentiment" data-band={s?.band} data-value={s?.value}>
      <CardHeader className="flex-wrap">
        <CardTitle>Market sentiment (derived fear / greed)</CardTitle>
        <CardDescription>
          derived from the {scan.source} market this scan read — not the alternative.me Crypto Fear &amp;
          Greed Index
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {!s ? (
          <p className="text-xs text-muted-foreground" data-testid="sentiment-none">
            {scan.candidates.length === 0
              ? 'no sentiment: this scan scored no symbol to derive it from'
              : 'no sentiment: this scan was recorded before the sentiment was computed'}
          </p>
        ) : (
          <>
            <div className="flex flex-wrap items-center gap-3">
              <span className="tabular text-2xl font-semibold" data-testid="sentiment-value">
                {s.value.toFixed(0)}
              </span>
              <span className="text-xs text-muted-foreground">/ 100</span>
              <Badge variant={bandLook[s.band]?.variant ?? 'outline'} data-testid="sentiment-band">
                {bandLook[s.band]?.text ?? s.band}
              </Badge>
              <MoodBar value={s.value} band={s.band} />
              <span className="text-[11px] text-muted-foreground">
                0–24 extreme fear · 25–44 fear · 45–55 neutral · 56–75 greed · 76–100 extreme greed
              </span>
            </div>
            <p className="text-xs text-muted-foreground" data-testid="sentiment-detail">
              {s.detail}
            </p>
            <div className="grid gap-x-6 gap-y-2 lg:grid-cols-2">
              {s.components.map((c) => (
                <div
                  key={c.name}
                  className="space-y-0.5"
                  data-testid="sentiment-component"
                  data-name={c.name}
                >
                  <div className="flex items-center gap-3 text-xs">
                    <span className="w-56 font-medium">{componentText[c.name] ?? c.name}</span>
                    <MoodBar value={c.score} />
                    <span className="text-muted-foreground">
                      {c.symbols} symbol{c.symbols === 1 ? '' : 's'}
                    </span>
                  </div>
                  <p className="text-xs whitespace-normal text-muted-foreground">{c.detail}</p>
                </div>
              ))}
            </div>
            <p className="text-[11px] text-muted-foreground">
              weights (24h turnover): {s.weights.map((w) => `${w.symbol} ${fmtPct(w.weight, 0)}`).join(' · ')}{' '}
              · {s.basis}
            </p>
          </>
        )}
      </CardContent>
    </Card>
  );
}
