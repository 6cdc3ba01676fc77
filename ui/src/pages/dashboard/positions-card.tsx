import { usePositions } from '@/api/hooks';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { ExchangeStopBadge, LadderBadges, StopBadge } from '@/components/status-badges';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtDecimal } from '@/lib/format';

export function PositionsCard() {
  const positions = usePositions();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Open positions</CardTitle>
      </CardHeader>
      <CardContent>
        <QueryState query={positions} empty={(d) => (d.length === 0 ? 'flat: no open positions' : null)}>
          {(list) => (
            <Table data-testid="positions">
              <TableHeader>
                <TableRow>
                  <TableHead>account</TableHead>
                  <TableHead>symbol</TableHead>
                  <TableHead>side</TableHead>
                  <TableHead className="text-right">qty</TableHead>
                  <TableHead className="text-right">entry</TableHead>
                  <TableHead className="text-right">mark</TableHead>
                  <TableHead className="text-right">uPnL</TableHead>
                  <TableHead className="text-right">lev</TableHead>
                  <TableHead>stop</TableHead>
                  <TableHead>targets · time</TableHead>
                  <TableHead>exchange</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.map((p) => (
                  <TableRow key={`${p.accountId}|${p.symbol}|${p.side}`}>
                    <TableCell className="max-w-72 truncate font-mono text-xs" title={p.accountId}>
                      {p.accountId}
                    </TableCell>
                    <TableCell className="font-medium">{p.symbol}</TableCell>
                    <TableCell>
                      <Badge variant={/long|buy/i.test(p.side) ? 'positive' : 'destructive'}>{p.side}</Badge>
                    </TableCell>
                    <TableCell className="text-right">{fmtDecimal(p.quantity)}</TableCell>
                    <TableCell className="text-right">{fmtDecimal(p.entryPrice)}</TableCell>
                    <TableCell className="text-right">{fmtDecimal(p.markPrice)}</TableCell>
                    <TableCell className="text-right">
                      <Pnl value={p.unrealisedPnl} />
                    </TableCell>
                    <TableCell className="text-right">
                      {p.leverage === null ? '—' : `${p.leverage}×`}
                    </TableCell>
                    <TableCell>
                      <StopBadge stop={p.stop} />
                    </TableCell>
                    <TableCell>
                      <LadderBadges legs={p.legs ?? []} />
                    </TableCell>
                    <TableCell>
                      <ExchangeStopBadge stop={p.exchangeStop ?? null} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </QueryState>
      </CardContent>
    </Card>
  );
}
