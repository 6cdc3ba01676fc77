import { ErrorBoundary } from './components/error-boundary';
import { Layout } from './components/layout';
import { useLocation } from './lib/router';
import { AuditPage } from './pages/audit';
import { BacktestsPage } from './pages/backtests';
import { DashboardPage } from './pages/dashboard';
import { HotlistPage } from './pages/hotlist';
import { LifecyclePage } from './pages/lifecycle';
import { OptimizerPage } from './pages/optimizer';
import { OrdersPage } from './pages/orders';
import { PortfolioPage } from './pages/portfolio';
import { RiskPage } from './pages/risk';
import { StrategiesPage } from './pages/strategies';

const pages: [prefix: string, Page: () => React.JSX.Element][] = [
  ['/orders', OrdersPage],
  ['/strategies', StrategiesPage],
  ['/portfolio', PortfolioPage],
  ['/risk', RiskPage],
  ['/backtests', BacktestsPage],
  ['/optimizer', OptimizerPage],
  ['/hotlist', HotlistPage],
  ['/lifecycle', LifecyclePage],
  ['/audit', AuditPage],
];

export function App() {
  const { pathname } = useLocation();
  const Page = pages.find(([p]) => pathname.startsWith(p))?.[1] ?? DashboardPage;
  return (
    <Layout>
      <ErrorBoundary key={pathname} name={`the ${pathname} page`}>
        <Page />
      </ErrorBoundary>
    </Layout>
  );
}
