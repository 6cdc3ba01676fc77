import { useState } from 'react';
import { orderStatuses } from '@/api/types';
import { ChainSheet } from '@/components/chain-sheet';
import { FilterBar, type FilterField } from '@/components/filter-bar';
import { PageHeader } from '@/components/layout';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader } from '@/components/ui/card';
import { useDebounced } from '@/hooks/debounced';
import { useUrlFilters } from '@/hooks/url-filters';
import { FillsTable } from './fills-table';
import { OrdersTable } from './orders-table';

const fields: FilterField[] = [
  { name: 'symbol', label: 'symbol', placeholder: 'e.g. BTCUSDT', upper: true },
  { name: 'strategyId', label: 'strategy', placeholder: 'e.g. ema-cross' },
  { name: 'status', label: 'status', choices: orderStatuses },
];

export function OrdersPage() {
  const filters = useUrlFilters(['symbol', 'strategyId', 'status', 'tab']);
  const [open, setOpen] = useState<string | null>(null);
  const tab = filters.values.tab === 'fills' ? 'fills' : 'orders';
  const { symbol, strategyId, status } = useDebounced(filters.values);
  return (
    <div className="space-y-4">
      <PageHeader title="Orders & fills" />
      <Card>
        <CardHeader className="flex-wrap items-end">
          <FilterBar
            fields={tab === 'fills' ? fields.slice(0, 1) : fields}
            values={filters.values}
            onChange={filters.set}
            onClear={filters.clear}
          />
          <div className="flex gap-1 rounded-md bg-muted p-1" role="tablist">
            {(['orders', 'fills'] as const).map((t) => (
              <Button
                key={t}
                size="sm"
                role="tab"
                aria-selected={tab === t}
                variant={tab === t ? 'default' : 'ghost'}
                onClick={() => filters.set('tab', t === 'orders' ? '' : t)}
              >
                {t}
              </Button>
            ))}
          </div>
        </CardHeader>
        <CardContent>
          <p className="mb-2 text-xs text-muted-foreground">Click a row to open its decision chain.</p>
          {tab === 'orders' ? (
            <OrdersTable filters={{ symbol, strategyId, status }} onOpen={setOpen} />
          ) : (
            <FillsTable filters={{ symbol }} onOpen={setOpen} />
          )}
        </CardContent>
      </Card>
      <ChainSheet id={open} onClose={() => setOpen(null)} />
    </div>
  );
}
