import type { LimitScope, RiskLimits, RiskLimitsView } from '@/api/risk-limits-types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtLimit, limitLabel, numberLimits, patchLine, sameLimit } from './limit-fields';

const order: (keyof RiskLimits)[] = [...numberLimits.map((f) => f.name), 'allowResize', 'disabled'];

interface Props {
  view: RiskLimitsView;
  /** Loads a layer into the change form, so a change starts from what is in force. */
  onEdit: (scope: LimitScope, key: string | null) => void;
}

/**
 * What the risk check judges by: the desk-wide defaults, each against its built-in value, and the
 * overrides that win over them field by field (account → strategy → symbol → strategy×symbol).
 */
export function LimitsTable({ view, onEdit }: Props) {
  return (
    <div className="space-y-4">
      <div className="space-y-1">
        <div className="flex items-center justify-between">
          <h4 className="text-xs font-medium text-muted-foreground">desk defaults</h4>
          <Button
            variant="link"
            size="sm"
            className="h-6 px-0 text-xs"
            onClick={() => onEdit('defaults', null)}
            data-testid="edit-defaults"
          >
            change
          </Button>
        </div>
        <Table data-testid="limits-defaults">
          <TableHeader>
            <TableRow>
              <TableHead>limit</TableHead>
              <TableHead className="text-right">in force</TableHead>
              <TableHead className="text-right">built-in</TableHead>
              <TableHead />
            </TableRow>
          </TableHeader>
          <TableBody>
            {order.map((name) => {
              const changed = !sameLimit(view.defaults[name], view.builtIn[name]);
              return (
                <TableRow
                  key={name}
                  data-testid="limit-row"
                  data-name={name}
                  data-changed={changed || undefined}
                >
                  <TableCell>
                    <span>{limitLabel(name)}</span>{' '}
                    <span className="font-mono text-[11px] text-muted-foreground">{name}</span>
                  </TableCell>
                  <TableCell className="text-right font-medium" data-testid="limit-value">
                    {fmtLimit(name, view.defaults[name])}
                  </TableCell>
                  <TableCell className="text-right text-muted-foreground">
                    {fmtLimit(name, view.builtIn[name])}
                  </TableCell>
                  <TableCell className="w-20 text-right">
                    {changed && <Badge variant="warning">changed</Badge>}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>
      <div className="space-y-1">
        <h4 className="text-xs font-medium text-muted-foreground">overrides</h4>
        {view.overrides.length === 0 ? (
          <p className="py-3 text-xs text-muted-foreground" data-testid="overrides-empty">
            none: every account, strategy and symbol trades on the desk defaults
          </p>
        ) : (
          <Table data-testid="limits-overrides">
            <TableHeader>
              <TableRow>
                <TableHead>scope</TableHead>
                <TableHead>key</TableHead>
                <TableHead>limits</TableHead>
                <TableHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {view.overrides.map((o) => (
                <TableRow
                  key={`${o.scope}:${o.key}`}
                  data-testid="override-row"
                  data-scope={o.scope}
                  data-key={o.key}
                >
                  <TableCell className="text-muted-foreground">{o.scope}</TableCell>
                  <TableCell className="font-mono">{o.key}</TableCell>
                  <TableCell className="whitespace-normal" data-testid="override-limits">
                    {patchLine(o.scope, o.limits)}
                  </TableCell>
                  <TableCell className="w-16 text-right">
                    <Button
                      variant="link"
                      size="sm"
                      className="h-6 px-0 text-xs"
                      onClick={() => onEdit(o.scope, o.key)}
                      data-testid="edit-override"
                    >
                      change
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
    </div>
  );
}
