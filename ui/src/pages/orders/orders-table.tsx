import { useOrders } from '@/api/hooks';
import type { Order } from '@/api/types';
import { Pager } from '@/components/pager';
import { QueryState } from '@/components/query-state';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { useCursorPages } from '@/hooks/cursor-pages';
import { fmtDecimal, fmtTime } from '@/lib/format';

const statusVariant = (s: string): BadgeVariant => {
  const u = s.toUpperCase();
  if (u === 'FILLED') return 'positive';
  if (u.includes('PARTIAL') || u === 'NEW' || u === 'ACCEPTED' || u === 'TRIGGERED') return 'default';
  if (u.includes('REJECT') || u.includes('EXPIRED')) return 'destructive';
  return 'secondary';
};

function OrderRow({ o, onOpen }: { o: Order; onOpen: (orderId: string) => void }) {
  return (
    <TableRow
      className="cursor-pointer"
      onClick={() => onOpen(o.orderId)}
      data-testid="order-row"
      data-order-id={o.orderId}
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onOpen(o.orderId);
      }}
    >
      <TableCell className="text-xs text-muted-foreground">{fmtTime(o.createdAt)}</TableCell>
      <TableCell className="max-w-40 truncate font-mono text-xs" title={o.orderId}>
        {o.orderId}
      </TableCell>
      <TableCell className="font-medium">{o.symbol}</TableCell>
      <TableCell>
        <Badge variant={o.side === 'BUY' ? 'positive' : 'destructive'}>{o.side}</Badge>
      </TableCell>
      <TableCell className="text-xs">{o.type}</TableCell>
      <TableCell className="text-right">{fmtDecimal(o.quantity)}</TableCell>
      <TableCell className="text-right">{fmtDecimal(o.price ?? o.stopPrice)}</TableCell>
      <TableCell className="text-right">{fmtDecimal(o.filledQuantity)}</TableCell>
      <TableCell className="text-right">{fmtDecimal(o.averagePrice)}</TableCell>
      <TableCell>
        <Badge variant={statusVariant(o.status)}>{o.status}</Badge>
      </TableCell>
      <TableCell className="font-mono text-xs">{o.strategyId ?? '—'}</TableCell>
    </TableRow>
  );
}

interface Props {
  filters: { symbol: string; strategyId: string; status: string };
  onOpen: (orderId: string) => void;
}

export function OrdersTable({ filters, onOpen }: Props) {
  const pages = useCursorPages(JSON.stringify(filters));
  const orders = useOrders({ ...filters, limit: 50, cursor: pages.cursor });
  return (
    <QueryState query={orders} empty={(d) => (d.items.length === 0 ? 'no orders match' : null)}>
      {(page) => (
        <>
          <Table data-testid="orders">
            <TableHeader>
              <TableRow>
                <TableHead>created</TableHead>
                <TableHead>order</TableHead>
                <TableHead>symbol</TableHead>
                <TableHead>side</TableHead>
                <TableHead>type</TableHead>
                <TableHead className="text-right">qty</TableHead>
                <TableHead className="text-right">price</TableHead>
                <TableHead className="text-right">filled</TableHead>
                <TableHead className="text-right">avg</TableHead>
                <TableHead>status</TableHead>
                <TableHead>strategy</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.items.map((o) => (
                <OrderRow key={o.orderId} o={o} onOpen={onOpen} />
              ))}
            </TableBody>
          </Table>
          <Pager
            page={pages.page}
            hasNext={Boolean(page.nextCursor)}
            onPrev={pages.prev}
            onNext={() => pages.next(page.nextCursor)}
            fetching={orders.isFetching}
          />
        </>
      )}
    </QueryState>
  );
}
