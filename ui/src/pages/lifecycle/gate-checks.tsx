import { CircleCheck, CircleX } from 'lucide-react';
import type { GateCheck } from '@/api/lifecycle-types';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { cn } from '@/lib/utils';

/** A gate's checks, each passed or failed, with the sentence that gives the figure and the threshold. */
export function GateChecks({ checks, testId }: { checks: readonly GateCheck[]; testId: string }) {
  const passed = checks.filter((c) => c.pass).length;
  return (
    <Table
      data-testid={testId}
      data-passed={passed}
      data-total={checks.length}
      aria-label={`${passed} of ${checks.length} checks pass`}
    >
      <TableHeader>
        <TableRow>
          <TableHead>check</TableHead>
          <TableHead>result</TableHead>
          <TableHead>detail</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {checks.map((c) => (
          <TableRow key={c.name} data-testid="lifecycle-check" data-name={c.name} data-pass={c.pass}>
            <TableCell className="text-xs font-medium">{c.name}</TableCell>
            <TableCell>
              <span
                className={cn(
                  'inline-flex items-center gap-1 text-xs font-medium',
                  c.pass ? 'text-positive' : 'text-destructive',
                )}
                title={`value ${c.value ?? 'unknown'}, threshold ${c.threshold}`}
              >
                {c.pass ? <CircleCheck className="size-3.5" /> : <CircleX className="size-3.5" />}
                {c.pass ? 'pass' : 'fail'}
              </span>
            </TableCell>
            <TableCell className="text-xs whitespace-normal text-muted-foreground">{c.detail}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
