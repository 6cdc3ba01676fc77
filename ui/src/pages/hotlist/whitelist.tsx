import type { Hotlist } from '@/api/hotlist-types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtTime } from '@/lib/format';
import { RiskLabels } from './labels';

/**
 * What the node may trade beyond its configuration: the symbols a person enabled, each with who, when
 * and the labels they were shown (ticked ones marked). Configured symbols are listed apart: they come
 * from the operator's configuration, so the hotlist cannot take them away.
 */
export function WhitelistCard({
  whitelist,
  configured,
  trading,
  onRemove,
}: Pick<Hotlist, 'whitelist' | 'configured' | 'trading'> & { onRemove: (symbol: string) => void }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Whitelist</CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        {whitelist.length === 0 ? (
          <div className="py-4 text-center text-xs text-muted-foreground" data-testid="whitelist-empty">
            no symbol has been enabled through the hotlist
          </div>
        ) : (
          <Table data-testid="hotlist-whitelist">
            <TableHeader>
              <TableRow>
                <TableHead>symbol</TableHead>
                <TableHead>approved</TableHead>
                <TableHead>labels shown (✓ acknowledged)</TableHead>
                <TableHead>note</TableHead>
                <TableHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {whitelist.map((w) => (
                <TableRow key={w.symbol} data-testid="whitelist-row" data-symbol={w.symbol}>
                  <TableCell className="font-medium">
                    {w.symbol}
                    {trading && !trading.includes(w.symbol) && (
                      <Badge
                        variant="warning"
                        className="ml-2"
                        title="the node's runs take up whitelisted symbols when they start: this one is not among those they trade now"
                        data-testid="not-traded-yet"
                      >
                        not traded yet
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-xs">
                    <div>{w.approver}</div>
                    <div className="text-muted-foreground" title={`scan ${w.scanId}`}>
                      {fmtTime(w.approvedAt)}
                    </div>
                  </TableCell>
                  <TableCell>
                    <RiskLabels labels={w.labels} acknowledged={w.acknowledged} />
                  </TableCell>
                  <TableCell className="max-w-48 text-xs whitespace-normal text-muted-foreground">
                    {w.note || '—'}
                  </TableCell>
                  <TableCell className="text-right">
                    <Button
                      size="sm"
                      variant="outline"
                      onClick={() => onRemove(w.symbol)}
                      data-testid="remove"
                    >
                      Remove…
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <div className="space-y-1" data-testid="hotlist-configured">
          <div className="text-xs font-medium text-muted-foreground">
            configured by the operator: traded without the hotlist, changed only in the server's configuration
          </div>
          {configured.length === 0 ? (
            <div className="text-xs text-muted-foreground">none</div>
          ) : (
            <div className="flex flex-wrap gap-1">
              {configured.map((s) => (
                <Badge key={s} variant="secondary" data-symbol={s}>
                  {s}
                </Badge>
              ))}
            </div>
          )}
        </div>
      </CardContent>
    </Card>
  );
}
