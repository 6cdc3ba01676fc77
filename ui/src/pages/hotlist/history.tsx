import type { HotlistDecision } from '@/api/hotlist-types';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtTime, toMillis } from '@/lib/format';

const kindVariant: Record<HotlistDecision['kind'], BadgeVariant> = {
  approved: 'positive',
  declined: 'secondary',
  removed: 'warning',
};

/** The people's decisions on the hotlist, newest first: the audit trail of what was enabled and why. */
export function HistoryCard({ history }: { history: HotlistDecision[] }) {
  // Newest first whatever order the server sends; the sort is stable, so same-time decisions keep theirs.
  const rows = [...history].sort((a, b) => (toMillis(b.at) ?? 0) - (toMillis(a.at) ?? 0));
  return (
    <Card>
      <CardHeader>
        <CardTitle>History</CardTitle>
      </CardHeader>
      <CardContent>
        {rows.length === 0 ? (
          <div className="py-4 text-center text-xs text-muted-foreground">no decision yet</div>
        ) : (
          <Table data-testid="hotlist-history">
            <TableHeader>
              <TableRow>
                <TableHead>when</TableHead>
                <TableHead>decision</TableHead>
                <TableHead>symbol</TableHead>
                <TableHead>by</TableHead>
                <TableHead>note / reason</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((h) => (
                <TableRow
                  // A symbol can be approved, removed and approved again: the time tells them apart.
                  key={`${h.at}|${h.kind}|${h.symbol}`}
                  data-testid="history-row"
                  data-kind={h.kind}
                  data-symbol={h.symbol}
                >
                  <TableCell className="text-xs text-muted-foreground">{fmtTime(h.at)}</TableCell>
                  <TableCell>
                    <Badge variant={kindVariant[h.kind] ?? 'outline'}>{h.kind}</Badge>
                  </TableCell>
                  <TableCell className="font-medium">{h.symbol}</TableCell>
                  <TableCell className="text-xs">{h.approver}</TableCell>
                  <TableCell
                    className="max-w-64 text-xs whitespace-normal text-muted-foreground"
                    title={h.scanId ? `scan ${h.scanId}` : undefined}
                  >
                    {h.text || '—'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
