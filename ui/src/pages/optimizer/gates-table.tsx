import type { Gate } from '@/api/optimizer-types';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtNum } from '@/lib/format';
import { VerdictBadge } from './runs-table';

/** Every gate with the value seen and the threshold it was held to: the verdict is explained, not asserted. */
export function GatesTable({ gates }: { gates: readonly Gate[] }) {
  return (
    <Table data-testid="optimizer-gates">
      <TableHeader>
        <TableRow>
          <TableHead>gate</TableHead>
          <TableHead className="text-right">value</TableHead>
          <TableHead className="text-center">rule</TableHead>
          <TableHead className="text-right">threshold</TableHead>
          <TableHead>verdict</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {gates.map((g) => (
          <TableRow key={g.gate} data-verdict={g.verdict}>
            <TableCell className="font-mono text-xs">{g.gate}</TableCell>
            <TableCell className="text-right tabular-nums">{fmtNum(g.value, 4)}</TableCell>
            <TableCell className="text-center text-muted-foreground">{g.comparator}</TableCell>
            <TableCell className="text-right tabular-nums">{fmtNum(g.threshold, 4)}</TableCell>
            <TableCell>
              <VerdictBadge verdict={g.verdict} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
