import { useMemo } from 'react';
import { usePortfolio } from '@/api/portfolio-hooks';
import type { Portfolio } from '@/api/portfolio-types';
import { PageHeader } from '@/components/layout';
import { QueryState } from '@/components/query-state';
import { Card, CardContent } from '@/components/ui/card';
import { AllocationCard } from './allocation-card';
import { strategyColors } from './arms';
import { CorrelatedCard } from './correlated-card';
import { RebalanceCard } from './rebalance-card';
import { WeightsCard } from './weights-card';

/**
 * Automation 7, the strategy bandit: how the node splits capital between the strategies' paper runs,
 * which one it benched, and why. Its rounds run by themselves; an approver can ask for one now.
 */
export function PortfolioPage() {
  const portfolio = usePortfolio();
  return (
    <div className="space-y-4">
      <PageHeader title="Portfolio">
        <span className="text-xs text-muted-foreground">
          capital between the strategies by multi-armed bandit; the weakest is benched for a cooldown
        </span>
      </PageHeader>
      <QueryState query={portfolio}>{(p) => <PortfolioView p={p} />}</QueryState>
    </div>
  );
}

function Notice({ testId, children }: { testId: string; children: React.ReactNode }) {
  return (
    <Card>
      <CardContent className="py-8 text-center text-sm text-muted-foreground" data-testid={testId}>
        {children}
      </CardContent>
    </Card>
  );
}

function PortfolioView({ p }: { p: Portfolio }) {
  const colors = useMemo(() => strategyColors(p), [p]);
  return (
    <>
      {!p.enabled && (
        <Notice testId="portfolio-disabled">
          This node runs no strategy bandit (PORTFOLIO=off): capital is not reallocated between the
          strategies.
          {p.latest && ' The rounds below were recorded earlier.'}
        </Notice>
      )}
      {p.enabled && p.latest === null && (
        <Notice testId="portfolio-no-round">
          No round yet: the first one runs once the paper runs have a market clock, within a minute of the
          node starting, and this page shows it as soon as it is recorded.
        </Notice>
      )}
      {p.latest && <AllocationCard round={p.latest} colors={colors} />}
      <div className="grid gap-4 xl:grid-cols-3">
        {p.history.length > 0 && (
          <WeightsCard history={p.history} colors={colors} className="xl:col-span-2" />
        )}
        <div className="space-y-4">
          <RebalanceCard enabled={p.enabled} />
          {p.latest && (
            <CorrelatedCard
              pairs={p.latest.correlated}
              threshold={p.latest.config.correlationThreshold}
              colors={colors}
            />
          )}
        </div>
      </div>
    </>
  );
}
