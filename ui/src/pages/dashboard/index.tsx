import type { ReactNode } from 'react';
import { ErrorBoundary } from '@/components/error-boundary';
import { PageHeader } from '@/components/layout';
import { AccountSummary } from './account-summary';
import { AlertsCard } from './alerts-card';
import { BreakersCard } from './breakers-card';
import { EquityCard } from './equity-card';
import { MarketCard } from './market-card';
import { PnlHeatmap } from './pnl-heatmap';
import { PositionsCard } from './positions-card';
import { SystemCard } from './system-card';

const Guard = ({ name, children }: { name: string; children: ReactNode }) => (
  <ErrorBoundary name={name}>{children}</ErrorBoundary>
);

export function DashboardPage() {
  return (
    <div className="space-y-4">
      <PageHeader title="Dashboard" />
      <Guard name="accounts">
        <AccountSummary />
      </Guard>
      <div className="grid gap-4 xl:grid-cols-3">
        <div className="space-y-4 xl:col-span-2">
          <Guard name="equity curve">
            <EquityCard />
          </Guard>
          <Guard name="PnL heatmap">
            <PnlHeatmap />
          </Guard>
        </div>
        <div className="space-y-4">
          <Guard name="alerts">
            <AlertsCard />
          </Guard>
          <Guard name="breakers">
            <BreakersCard />
          </Guard>
          <Guard name="projections">
            <SystemCard />
          </Guard>
        </div>
      </div>
      <Guard name="positions">
        <PositionsCard />
      </Guard>
      <Guard name="market">
        <MarketCard />
      </Guard>
    </div>
  );
}
