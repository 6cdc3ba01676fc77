import type { TimelineFilters } from '@/api/client';
import { useTimeline } from '@/api/hooks';
import { Pager } from '@/components/pager';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { useCursorPages } from '@/hooks/cursor-pages';
import { fmtTime } from '@/lib/format';

interface Props {
  filters: TimelineFilters;
  onOpen: (id: string) => void;
}

export function Timeline({ filters, onOpen }: Props) {
  const pages = useCursorPages(JSON.stringify(filters));
  const timeline = useTimeline({ ...filters, limit: 50, cursor: pages.cursor });
  return (
    <QueryState query={timeline} empty={(d) => (d.items.length === 0 ? 'no events match' : null)}>
      {(page) => (
        <>
          <Table data-testid="timeline">
            <TableHeader>
              <TableRow>
                <TableHead className="text-right">#</TableHead>
                <TableHead>occurred</TableHead>
                <TableHead>type</TableHead>
                <TableHead>stream</TableHead>
                <TableHead>actor</TableHead>
                <TableHead>summary</TableHead>
                <TableHead>chain</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.items.map((e) => (
                <TableRow
                  key={e.eventId}
                  className="cursor-pointer"
                  onClick={() => onOpen(e.eventId)}
                  data-testid="timeline-row"
                  data-type={e.type}
                >
                  <TableCell className="text-right text-xs text-muted-foreground">
                    {e.globalPosition}
                  </TableCell>
                  <TableCell className="text-xs">{fmtTime(e.occurredAt)}</TableCell>
                  <TableCell>
                    <Badge variant="secondary" className="font-mono">
                      {e.type}
                    </Badge>
                  </TableCell>
                  <TableCell className="max-w-48 truncate font-mono text-xs" title={e.streamId}>
                    {e.streamId}
                  </TableCell>
                  <TableCell className="font-mono text-xs">{e.actor}</TableCell>
                  <TableCell className="max-w-96 truncate text-xs" title={e.summary}>
                    {e.summary}
                  </TableCell>
                  <TableCell className="max-w-32 truncate font-mono text-[11px] text-muted-foreground">
                    {e.correlationId}
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
            fetching={timeline.isFetching}
          />
        </>
      )}
    </QueryState>
  );
}
