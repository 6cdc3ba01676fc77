import type { Params, WfoWindow } from '@/api/optimizer-types';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtNum, fmtPct } from '@/lib/format';

const day = (iso: string) => iso.slice(0, 10);
export const paramsText = (p: Params) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : String(v)}`)
    .join(' ');

export function WindowsTable({ windows }: { windows: readonly WfoWindow[] }) {
  return (
    <Table data-testid="optimizer-windows">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>in-sample</TableHead>
          <TableHead>out-of-sample</TableHead>
          <TableHead className="text-right">trials</TableHead>
          <TableHead className="text-right">IS Sharpe</TableHead>
          <TableHead className="text-right">OOS Sharpe</TableHead>
          <TableHead className="text-right">OOS return</TableHead>
          <TableHead className="text-right">DSR</TableHead>
          <TableHead className="text-right">PBO</TableHead>
          <TableHead>winner</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {windows.map((w) => (
          <TableRow key={w.index}>
            <TableCell>{w.index}</TableCell>
            <TableCell className="text-xs">
              {day(w.inSample.start)} → {day(w.inSample.end)}
            </TableCell>
            <TableCell className="text-xs">
              {day(w.outOfSample.start)} → {day(w.outOfSample.end)}
            </TableCell>
            <TableCell className="text-right">{w.trials}</TableCell>
            <TableCell className="text-right tabular-nums">{fmtNum(w.inSampleSummary?.sharpe, 2)}</TableCell>
            <TableCell className="text-right tabular-nums">
              {fmtNum(w.outOfSampleSummary?.sharpe, 2)}
            </TableCell>
            <TableCell className="text-right tabular-nums">
              {fmtPct(w.outOfSampleSummary?.totalReturn)}
            </TableCell>
            <TableCell className="text-right tabular-nums">{fmtNum(w.dsr, 3)}</TableCell>
            <TableCell className="text-right tabular-nums" title={w.pboNote ?? undefined}>
              {fmtNum(w.pbo, 3)}
            </TableCell>
            <TableCell className="max-w-96 truncate font-mono text-xs" title={paramsText(w.selected)}>
              {paramsText(w.selected)}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
