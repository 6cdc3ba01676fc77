import { useStatus } from '@/api/hooks';
import type { VenueStatus } from '@/api/types';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtPct, fmtTime } from '@/lib/format';

const ASPECT: Record<VenueStatus['degraded'][number]['aspect'], string> = {
  latency: 'slow orders',
  'user-stream': 'user stream lost',
  'rate-limit': 'stopped for its rate limits',
  clock: 'clock off the exchange’s',
};

/**
 * The exchange as the node calls it: how much of each rate-limit window is used (past 80 % entries and
 * reads wait), a stop it said, and what is degraded. A trader sees the node holding back before orders do.
 */
function VenueLine({ venue }: { venue: VenueStatus }) {
  const queued = venue.waiting.protect + venue.waiting.trade + venue.waiting.read;
  return (
    <div className="space-y-1 border-t pt-2 text-xs" data-testid="venue-status" data-venue={venue.venue}>
      <div className="flex flex-wrap items-center gap-1">
        <span className="font-mono">{venue.venue}</span>
        {venue.rateLimits.map((w) => {
          const share = w.used / w.limit;
          return (
            <Badge
              key={`${w.kind}-${w.window}`}
              variant={share >= 0.8 ? 'destructive' : share >= 0.5 ? 'warning' : 'secondary'}
              className="px-1 py-0 text-[10px] tabular"
              data-testid="venue-rate-window"
              data-kind={w.kind}
              data-window={w.window}
              data-used={w.used}
              title={`${w.used} of ${w.limit} ${w.kind === 'weight' ? 'request weight' : 'new orders'} in this ${w.window} window, which ends ${fmtTime(w.endsAt)}`}
            >
              {w.kind} {w.window} {fmtPct(share, 0)}
            </Badge>
          );
        })}
        {venue.clockOffsetMs !== null && (
          <span
            className={`tabular ${Math.abs(venue.clockOffsetMs) >= 1_000 ? 'text-destructive' : 'text-muted-foreground'}`}
            data-testid="venue-clock"
            title="this machine's clock minus the exchange's, as last measured: requests are signed on the exchange's"
          >
            clock {venue.clockOffsetMs > 0 ? '+' : ''}
            {venue.clockOffsetMs} ms
          </span>
        )}
        {queued > 0 && (
          <span className="ml-auto tabular text-muted-foreground" data-testid="venue-waiting">
            {queued} waiting
          </span>
        )}
      </div>
      {venue.key && (
        <div
          className={venue.key.refused ? 'text-destructive' : 'text-muted-foreground'}
          data-testid="venue-key"
          data-refused={venue.key.refused !== null}
        >
          API key: {venue.key.futures ? 'trades futures' : 'cannot trade futures'},{' '}
          {venue.key.withdrawals ? 'can withdraw' : 'cannot withdraw'},{' '}
          {venue.key.ipRestricted ? 'this IP only' : 'any IP'}
          {venue.key.refused && <> — no real money: {venue.key.refused}</>}
        </div>
      )}
      {venue.stopped && (
        <div className="text-destructive" data-testid="venue-stopped">
          nothing is sent until {fmtTime(venue.stopped.until)}: {venue.stopped.reason}
        </div>
      )}
      {venue.degraded.map((d) => (
        <div key={d.aspect} className="text-destructive" data-testid="venue-degraded" data-aspect={d.aspect}>
          {ASPECT[d.aspect]} since {fmtTime(d.since)}: {d.detail}
        </div>
      ))}
    </div>
  );
}

/** The log head and how far each read model trails it: a lagging projection means a stale screen. */
export function SystemCard() {
  const status = useStatus();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Projections and paper runs</CardTitle>
      </CardHeader>
      <CardContent>
        <QueryState query={status}>
          {(s) => (
            <div className="space-y-3 text-sm">
              <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
                <Badge variant="secondary">{s.store.kind}</Badge>
                <span className="truncate" title={s.store.location}>
                  {s.store.location}
                </span>
                <span className="ml-auto tabular" data-testid="log-head">
                  head {s.store.head}
                </span>
              </div>
              <ul className="space-y-1" data-testid="projection-lag">
                {s.projections.map((p) => (
                  <li key={p.name} className="flex items-center gap-2">
                    <span className="font-mono text-xs">{p.name}</span>
                    <span className="ml-auto tabular text-xs text-muted-foreground">@{p.position}</span>
                    <Badge variant={p.lag === 0 ? 'positive' : p.lag < 100 ? 'warning' : 'destructive'}>
                      lag {p.lag}
                    </Badge>
                  </li>
                ))}
              </ul>
              {s.venue && <VenueLine venue={s.venue} />}
              {s.paper.length > 0 && (
                <ul className="space-y-1 border-t pt-2">
                  {s.paper.map((r) => (
                    <li key={r.runId} className="space-y-1 text-xs" data-testid="paper-run">
                      <div className="flex justify-between gap-2">
                        <span className="flex items-center gap-1">
                          <span className="font-mono">{r.strategyId}</span>
                          {r.mode !== 'paper' && (
                            <Badge
                              variant="destructive"
                              className="px-1 py-0 text-[10px]"
                              data-testid="real-money-run"
                              title="this run trades the real account"
                            >
                              real money · {r.mode === 'canary' ? 'canary' : 'prod'}
                            </Badge>
                          )}
                          {r.parameters && r.parameters.version > 0 && (
                            <span className="text-muted-foreground">v{r.parameters.version}</span>
                          )}
                          {r.parameters && r.parameters.role !== 'in-force' && (
                            <Badge
                              variant={r.parameters.role === 'canary' ? 'warning' : 'outline'}
                              className="px-1 py-0 text-[10px]"
                              data-testid="parameter-role"
                              title={
                                r.parameters.role === 'canary'
                                  ? 'a parameter version judged beside the one in force, at a small share'
                                  : 'replaced by another parameter version: flat, trading nothing'
                              }
                            >
                              {r.parameters.role}
                            </Badge>
                          )}
                        </span>
                        <span className="tabular">
                          {r.progress === null ? 'live' : fmtPct(r.progress, 1)}
                        </span>
                      </div>
                      <div className="flex justify-between gap-2 text-[11px] text-muted-foreground">
                        <span>
                          {r.state} · {r.feed === 'live' ? 'venue bars' : `${r.speed}×`}
                        </span>
                        <span className="tabular" title="the run's simulated clock">
                          {fmtTime(r.simTime)}
                        </span>
                      </div>
                      {r.error && <div className="text-[11px] text-destructive">{r.error}</div>}
                      {r.progress !== null && (
                        <div className="h-1 rounded bg-muted">
                          <div className="h-1 rounded bg-primary" style={{ width: `${r.progress * 100}%` }} />
                        </div>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </QueryState>
      </CardContent>
    </Card>
  );
}
