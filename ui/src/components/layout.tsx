import {
  Activity,
  BarChart3,
  ChartPie,
  Flame,
  FlaskConical,
  LayoutDashboard,
  ListOrdered,
  Route,
  ScrollText,
  ShieldAlert,
  SlidersHorizontal,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { useLiveSnapshot } from '@/hooks/live';
import { Link } from '@/lib/router';
import { cn } from '@/lib/utils';

const nav = [
  { to: '/', label: 'Dashboard', icon: LayoutDashboard },
  { to: '/orders', label: 'Orders & fills', icon: ListOrdered },
  { to: '/strategies', label: 'Strategies', icon: BarChart3 },
  { to: '/portfolio', label: 'Portfolio', icon: ChartPie },
  { to: '/risk', label: 'Risk', icon: ShieldAlert },
  { to: '/backtests', label: 'Backtests', icon: FlaskConical },
  { to: '/optimizer', label: 'Optimizer', icon: SlidersHorizontal },
  { to: '/hotlist', label: 'Hotlist', icon: Flame },
  { to: '/lifecycle', label: 'Lifecycle', icon: Route },
  { to: '/audit', label: 'Audit', icon: ScrollText },
];

function LiveIndicator() {
  const live = useLiveSnapshot();
  const color =
    live.state === 'open' ? 'bg-positive' : live.state === 'connecting' ? 'bg-warning' : 'bg-destructive';
  return (
    <div
      className="space-y-1 text-[11px] text-muted-foreground"
      data-testid="live-indicator"
      data-state={live.state}
    >
      <div className="flex items-center gap-2">
        <span className={cn('size-2 rounded-full', color, live.state === 'open' && 'animate-pulse')} />
        <span>live {live.state}</span>
      </div>
      <div className="tabular" data-testid="live-messages">
        {live.messages} msgs · pos {live.lastPosition ?? '—'}
      </div>
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 flex-col border-r bg-card/40 p-3">
        <div className="mb-6 flex items-center gap-2 px-2 pt-1">
          <Activity className="size-5 text-primary" />
          <span className="font-semibold tracking-tight">Perpetua</span>
        </div>
        <nav className="flex flex-1 flex-col gap-1">
          {nav.map(({ to, label, icon: Icon }) => (
            <Link
              key={to}
              to={to}
              className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-muted-foreground hover:bg-accent hover:text-foreground"
              activeClassName="bg-accent text-foreground"
            >
              <Icon className="size-4" />
              {label}
            </Link>
          ))}
        </nav>
        <LiveIndicator />
      </aside>
      <main className="min-w-0 flex-1 p-5">{children}</main>
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
      {children}
    </div>
  );
}
