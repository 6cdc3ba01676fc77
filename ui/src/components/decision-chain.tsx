import { AlertTriangle, ArrowDown } from 'lucide-react';
import type { ChainLink, DecisionChain, RuleCheck } from '@/api/types';
import { fmtMeasure, fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';
import { VerdictBadge } from './status-badges';
import { Badge } from './ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from './ui/table';

/** The envelope of a link, whether the server sends it flat or nested under `event`/`metadata`. */
export interface LinkView {
  key: string;
  type: string;
  streamId: string;
  globalPosition: number | null;
  occurredAt: string | number | null;
  actor: string;
  summary: string | null;
  data: Record<string, unknown>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function chainLink(raw: ChainLink, i: number): LinkView {
  const l = raw.event ?? raw;
  const meta = (l.metadata ?? {}) as Record<string, unknown>;
  const pos = typeof l.globalPosition === 'number' ? l.globalPosition : null;
  return {
    key: l.eventId ?? `${pos ?? 'x'}-${i}`,
    type: l.type ?? 'event',
    streamId: l.streamId ?? '',
    globalPosition: pos,
    occurredAt: l.occurredAt ?? str(meta.occurredAt),
    actor: l.actor ?? str(meta.actor) ?? '',
    summary: l.summary ?? null,
    data: (l.data ?? {}) as Record<string, unknown>,
  };
}

const isChecks = (x: unknown): x is RuleCheck[] =>
  Array.isArray(x) && x.every((c) => typeof c === 'object' && c !== null && 'rule' in c && 'verdict' in c);

/** Every rule the risk engine checked, with the threshold it held the order to and the value it saw. */
export function RiskChecks({ checks }: { checks: RuleCheck[] }) {
  return (
    <Table data-testid="risk-checks">
      <TableHeader>
        <TableRow>
          <TableHead>rule</TableHead>
          <TableHead>verdict</TableHead>
          <TableHead className="text-right">threshold</TableHead>
          <TableHead className="text-right">value</TableHead>
          <TableHead className="text-right">approved</TableHead>
          <TableHead>unit · detail</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {checks.map((c) => (
          <TableRow key={c.rule} data-testid="risk-check" data-verdict={c.verdict}>
            <TableCell className="font-mono text-xs" title={c.kind}>
              {c.rule}
            </TableCell>
            <TableCell>
              <VerdictBadge verdict={c.verdict} />
            </TableCell>
            <TableCell className="text-right">
              {c.threshold === null ? '∞' : fmtMeasure(c.threshold)}
            </TableCell>
            <TableCell className="text-right">{fmtMeasure(c.value ?? c.requested ?? null)}</TableCell>
            <TableCell className="text-right">{fmtMeasure(c.approved ?? null)}</TableCell>
            <TableCell className="min-w-48 text-xs whitespace-normal text-muted-foreground">
              {c.unit}
              {c.detail ? ` · ${c.detail}` : ''}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

const scalar = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtMeasure(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An event's data as key/value pairs. Nested objects (sizing inputs, risk context) fold away, open on
 * a click: the reviewer sees the decision first and the arithmetic behind it on demand.
 */
function DataList({ data, skip = [] }: { data: Record<string, unknown>; skip?: readonly string[] }) {
  const entries = Object.entries(data).filter(([k]) => !skip.includes(k));
  if (entries.length === 0) return null;
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-muted-foreground">{k}</dt>
          <dd className="min-w-0 font-mono break-all">
            {isRecord(v) ? (
              <details>
                <summary className="cursor-pointer text-muted-foreground">
                  {Object.keys(v).length} fields
                </summary>
                <div className="mt-1 border-l pl-2">
                  <DataList data={v} />
                </div>
              </details>
            ) : (
              scalar(v)
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Features({ features }: { features: Record<string, unknown> }) {
  return (
    <div className="mt-2 flex flex-wrap gap-1" data-testid="signal-features">
      {Object.entries(features).map(([k, v]) => (
        <Badge key={k} variant="outline" className="font-mono">
          {k}={scalar(v)}
        </Badge>
      ))}
    </div>
  );
}

function LinkCard({ link, focused }: { link: LinkView; focused: boolean }) {
  const checks = link.data.checks;
  const features = link.data.features;
  const outcome = str(link.data.outcome);
  return (
    <div
      className={cn('rounded-md border bg-card p-3', focused && 'border-primary ring-1 ring-primary')}
      data-testid="chain-link"
      data-type={link.type}
      data-focused={focused || undefined}
    >
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <Badge variant="secondary" className="font-mono">
          {link.type}
        </Badge>
        {outcome && <VerdictBadge verdict={outcome} />}
        <span className="text-xs text-muted-foreground">{fmtTime(link.occurredAt)}</span>
        <span className="text-xs text-muted-foreground">{link.actor}</span>
        <span className="ml-auto font-mono text-[11px] text-muted-foreground">
          {link.streamId} {link.globalPosition !== null && `#${link.globalPosition}`}
        </span>
      </div>
      {link.summary && (
        <p className="mb-2 line-clamp-2 text-sm" title={link.summary}>
          {link.summary}
        </p>
      )}
      <DataList data={link.data} skip={['checks', 'features']} />
      {features !== null && typeof features === 'object' && (
        <Features features={features as Record<string, unknown>} />
      )}
      {isChecks(checks) && (
        <div className="mt-3">
          <RiskChecks checks={checks} />
        </div>
      )}
    </div>
  );
}

/**
 * A decision chain, root first: observation → signal → risk decision → order → fills. The event the
 * chain was opened from (`focus`, when it was an event id) is outlined, so it can be found in the chain.
 */
export function DecisionChainView({ chain, focus }: { chain: DecisionChain; focus?: string | null }) {
  const links = chain.links.map(chainLink);
  return (
    <div className="space-y-3" data-testid="decision-chain">
      {chain.correlationId && (
        <p className="font-mono text-xs text-muted-foreground">
          correlation {chain.correlationId} · {links.length} events
        </p>
      )}
      {chain.broken.length > 0 && (
        <div className="flex items-start gap-2 rounded-md border border-destructive/50 p-2 text-xs text-destructive">
          <AlertTriangle className="size-4 shrink-0" />
          <div>
            The chain has {chain.broken.length} broken link(s):
            <ul className="mt-1 list-disc pl-4 font-mono">
              {chain.broken.map((b) => (
                <li key={typeof b === 'string' ? b : b.eventId}>{typeof b === 'string' ? b : b.detail}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {chain.bar && (
        <p className="rounded-md border p-2 font-mono text-xs" data-testid="chain-bar">
          market: {chain.bar.summary ?? ''}{' '}
          <span className="text-muted-foreground">(recorded as the live feed gave it)</span>
        </p>
      )}
      {links.length === 0 && <p className="text-xs text-muted-foreground">This chain has no events.</p>}
      <ol className="space-y-1">
        {links.map((l, i) => (
          <li key={l.key}>
            {i > 0 && <ArrowDown className="mx-auto my-1 size-4 text-muted-foreground" />}
            <LinkCard link={l} focused={focus === l.key} />
          </li>
        ))}
      </ol>
    </div>
  );
}
