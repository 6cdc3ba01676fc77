import { PageHeader } from '@/components/layout';
import { AccountSummary } from './account-summary';
import { BreakersCard } from './breakers-card';
import { EquityCard } from './equity-card';
import { MarketCard } from './market-card';
import { PnlHeatmap } from './pnl-heatmap';
import { PositionsCard } from './positions-card';
import { SystemCard } from './system-card';

export function DashboardPage() {
  return (
    <div className="space-y-4">
      <PageHeader title="Dashboard" />
      <AccountSummary />
      <div className="grid gap-4 xl:grid-cols-3">
        <div className="space-y-4 xl:col-span-2">
          <EquityCard />
          <PnlHeatmap />
          <PositionsCard />
          <MarketCard />
        </div>
        <div className="space-y-4">
          <BreakersCard />
          <SystemCard />
        </div>
      </div>
    </div>
  );
}
