import type { CorrelatedPair } from '@/api/portfolio-types';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtNum } from '@/lib/format';
import { Swatch } from './arms';

/** Strategies whose returns moved together in the latest round: one bet, so they share its weight. */
export function CorrelatedCard({
  pairs,
  threshold,
  colors,
}: {
  pairs: CorrelatedPair[];
  threshold: number | string | undefined;
  colors: Map<string, string>;
}) {
  return (
    <Card data-testid="portfolio-correlated">
      <CardHeader className="flex-col items-start gap-1">
        <CardTitle>Correlated strategies</CardTitle>
        <CardDescription>
          pairs of the latest round with ρ ≥ {threshold ?? '—'}: they count as one bet, so one of them has its
          target weight cut
        </CardDescription>
      </CardHeader>
      <CardContent>
        {pairs.length === 0 ? (
          <p className="py-2 text-center text-xs text-muted-foreground" data-testid="correlated-none">
            no correlated pair in the latest round
          </p>
        ) : (
          <ul className="divide-y divide-border text-xs">
            {pairs.map((p) => (
              <li
                key={`${p.a}|${p.b}`}
                className="space-y-1 py-2"
                data-testid="correlated-pair"
                data-a={p.a}
                data-b={p.b}
                data-cut={p.cut}
              >
                <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  <span className="inline-flex items-center gap-1 font-medium">
                    <Swatch color={colors.get(p.a)} />
                    {p.a}
                  </span>
                  <span className="text-muted-foreground">and</span>
                  <span className="inline-flex items-center gap-1 font-medium">
                    <Swatch color={colors.get(p.b)} />
                    {p.b}
                  </span>
                </div>
                <div className="text-muted-foreground">
                  ρ = <span className="tabular text-foreground">{fmtNum(p.rho, 3)}</span> · cut:{' '}
                  <span className="font-medium text-foreground" data-testid="correlated-cut">
                    {p.cut}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
