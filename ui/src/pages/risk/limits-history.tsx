import type { LimitChangeView } from '@/api/risk-limits-types';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtTime } from '@/lib/format';
import { layerName, patchLine } from './limit-fields';

/** Every change of the limits, newest first: who, why, and what the layer held after it. */
export function LimitsHistory({ changes }: { changes: readonly LimitChangeView[] }) {
  if (changes.length === 0)
    return (
      <p className="py-6 text-center text-xs text-muted-foreground" data-testid="limits-history-empty">
        no change yet: the limits are the node's configuration
      </p>
    );
  return (
    <div className="max-h-[28rem] overflow-y-auto">
      <Table data-testid="limits-history">
        <TableHeader>
          <TableRow>
            <TableHead>at (market time)</TableHead>
            <TableHead>layer</TableHead>
            <TableHead>set to</TableHead>
            <TableHead>approver</TableHead>
            <TableHead>reason</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {changes.map((c) => (
            <TableRow
              key={c.changeId}
              data-testid="limit-change"
              data-change-id={c.changeId}
              data-scope={c.scope}
              data-key={c.key ?? undefined}
            >
              <TableCell className="text-muted-foreground">{fmtTime(c.occurredAt)}</TableCell>
              <TableCell className="font-mono text-xs">{layerName(c.scope, c.key)}</TableCell>
              <TableCell className="whitespace-normal">{patchLine(c.scope, c.limits)}</TableCell>
              <TableCell className="font-mono text-xs">{c.approver}</TableCell>
              <TableCell className="whitespace-normal" data-testid="limit-change-reason">
                {c.reason}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
