import { useFills } from '@/api/hooks';
import { Fee } from '@/components/fee';
import { Pager } from '@/components/pager';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { useCursorPages } from '@/hooks/cursor-pages';
import { fmtDecimal, fmtTime } from '@/lib/format';

interface Props {
  filters: { symbol: string };
  onOpen: (orderId: string) => void;
}

export function FillsTable({ filters, onOpen }: Props) {
  const pages = useCursorPages(JSON.stringify(filters));
  const fills = useFills({ ...filters, limit: 50, cursor: pages.cursor });
  return (
    <QueryState query={fills} empty={(d) => (d.items.length === 0 ? 'no fills match' : null)}>
      {(page) => (
        <>
          <Table data-testid="fills">
            <TableHeader>
              <TableRow>
                <TableHead>at</TableHead>
                <TableHead>order</TableHead>
                <TableHead>symbol</TableHead>
                <TableHead>side</TableHead>
                <TableHead className="text-right">qty</TableHead>
                <TableHead className="text-right">price</TableHead>
                <TableHead
                  className="text-right"
                  title="a negative fee is a maker's rebate, paid to the account"
                >
                  fee
                </TableHead>
                <TableHead className="text-right">realised</TableHead>
                <TableHead>liquidity</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.items.map((f, i) => (
                <TableRow
                  // biome-ignore lint/suspicious/noArrayIndexKey: fills have no id in the contract; a page is replaced whole, never reordered
                  key={`${f.orderId}-${f.at}-${i}`}
                  className="cursor-pointer"
                  onClick={() => onOpen(f.orderId)}
                  data-testid="fill-row"
                >
                  <TableCell className="text-xs text-muted-foreground">{fmtTime(f.at)}</TableCell>
                  <TableCell className="max-w-40 truncate font-mono text-xs">{f.orderId}</TableCell>
                  <TableCell className="font-medium">{f.symbol}</TableCell>
                  <TableCell>
                    <Badge variant={f.side === 'BUY' ? 'positive' : 'destructive'}>{f.side}</Badge>
                  </TableCell>
                  <TableCell className="text-right">{fmtDecimal(f.quantity)}</TableCell>
                  <TableCell className="text-right">{fmtDecimal(f.price)}</TableCell>
                  <TableCell className="text-right" data-testid="fill-fee">
                    <Fee value={f.fee} text={fmtDecimal(f.fee)} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Pnl value={f.realisedPnl} />
                  </TableCell>
                  <TableCell className="text-xs">
                    {f.forced ? (
                      <Badge
                        variant="destructive"
                        title="the exchange's own closing order, not the strategy's"
                      >
                        {FORCED[f.forced] ?? f.forced}
                      </Badge>
                    ) : (
                      f.liquidity
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Pager
            page={pages.page}
            hasNext={Boolean(page.nextCursor)}
            onPrev={pages.prev}
            onNext={() => pages.next(page.nextCursor)}
            fetching={fills.isFetching}
          />
        </>
      )}
    </QueryState>
  );
}

/** The exchange's own closing orders, as the fills table names them. */
const FORCED: Record<string, string> = {
  liquidation: 'liquidated',
  adl: 'ADL',
  settlement: 'settled',
};
