import { Info, OctagonAlert, Search, TriangleAlert } from 'lucide-react';
import { useState } from 'react';
import { useAlerts } from '@/api/hooks';
import type { Alert, AlertSeverity } from '@/api/types';
import { ChainSheet } from '@/components/chain-sheet';
import { QueryState } from '@/components/query-state';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Select } from '@/components/ui/select';
import { fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';

const look: Record<AlertSeverity, { variant: BadgeVariant; icon: typeof Info }> = {
  info: { variant: 'secondary', icon: Info },
  warning: { variant: 'warning', icon: TriangleAlert },
  critical: { variant: 'destructive', icon: OctagonAlert },
};

export function SeverityBadge({ severity }: { severity: AlertSeverity }) {
  const l = look[severity] ?? look.info;
  const Icon = l.icon;
  return (
    <Badge variant={l.variant} data-testid="alert-severity">
      <Icon />
      {severity}
    </Badge>
  );
}

/**
 * A failed run's chain is the whole run (every equity mark shares its correlation): too long to be the
 * answer to "why", and the title already holds the error.
 */
const explainable = (a: Alert) => a.type !== 'RunCompleted';

function AlertRow({ a, onExplain }: { a: Alert; onExplain: (eventId: string) => void }) {
  const critical = a.severity === 'critical';
  return (
    <li
      className={cn(
        'space-y-1 rounded-md p-2 text-xs',
        // A critical alert must not read like the info around it: framed and tinted.
        critical ? 'border border-destructive/60 bg-destructive/10' : 'border border-transparent',
      )}
      data-testid="alert-row"
      data-severity={a.severity}
    >
      <div className="flex items-center gap-2">
        <SeverityBadge severity={a.severity} />
        <span className="shrink-0 whitespace-nowrap tabular text-muted-foreground">
          {fmtTime(a.occurredAt)}
        </span>
        <span className="ml-auto min-w-0 truncate text-muted-foreground" title={`${a.scope} ${a.subject}`}>
          {a.scope} <span className="font-mono text-foreground">{a.subject}</span>
        </span>
        {explainable(a) && (
          <Button
            size="sm"
            variant="ghost"
            className="h-6 px-1.5 text-[11px]"
            onClick={() => onExplain(a.eventId)}
            title="the decision chain behind this alert"
            data-testid="alert-explain"
          >
            <Search /> why
          </Button>
        )}
      </div>
      <div
        className={cn('break-words', critical && 'font-medium text-destructive')}
        data-testid="alert-title"
      >
        {a.title}
      </div>
      {a.detail && (
        <div className="line-clamp-2 text-[11px] text-muted-foreground" title={a.detail}>
          {a.detail}
        </div>
      )}
    </li>
  );
}

/**
 * The latest alerts (design §11 stream/alerts, §14): breakers, liquidations, failed runs, KPI breaches,
 * rollbacks and account differences, as the server reads them off the log.
 */
export function AlertsCard() {
  const [severity, setSeverity] = useState<AlertSeverity>('info');
  const [open, setOpen] = useState<string | null>(null);
  const alerts = useAlerts({ severity: severity === 'info' ? undefined : severity, limit: 20 });
  const critical = alerts.data?.items.filter((a) => a.severity === 'critical').length ?? 0;
  return (
    <Card data-testid="alerts-card">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          Alerts
          {critical > 0 && (
            <Badge variant="destructive" data-testid="alerts-critical">
              {critical} critical
            </Badge>
          )}
        </CardTitle>
        <Select
          aria-label="least severity"
          className="h-7 w-36 text-xs"
          value={severity}
          onChange={(e) => setSeverity(e.target.value as AlertSeverity)}
        >
          <option value="info">all</option>
          <option value="warning">warning and up</option>
          <option value="critical">critical only</option>
        </Select>
      </CardHeader>
      <CardContent>
        <QueryState
          query={alerts}
          empty={(p) =>
            p.items.length === 0 ? (
              <span data-testid="alerts-empty">
                {severity === 'info' ? 'no alerts' : `no ${severity} alerts`}
              </span>
            ) : null
          }
        >
          {(p) => (
            <ul className="max-h-96 space-y-1 overflow-y-auto" data-testid="alerts">
              {p.items.map((a) => (
                <AlertRow key={a.globalPosition} a={a} onExplain={setOpen} />
              ))}
            </ul>
          )}
        </QueryState>
      </CardContent>
      <ChainSheet id={open} onClose={() => setOpen(null)} />
    </Card>
  );
}
