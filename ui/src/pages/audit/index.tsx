import { Search } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { ChainSheet } from '@/components/chain-sheet';
import { FilterBar, type FilterField } from '@/components/filter-bar';
import { PageHeader } from '@/components/layout';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { useDebounced } from '@/hooks/debounced';
import { useUrlFilters } from '@/hooks/url-filters';
import { RiskDecisions } from './risk-decisions';
import { Timeline } from './timeline';

const fields: FilterField[] = [
  { name: 'from', label: 'from (UTC)', type: 'datetime-local' },
  { name: 'to', label: 'to (UTC)', type: 'datetime-local' },
  { name: 'strategy', label: 'strategy', placeholder: 'e.g. ema-cross' },
  { name: 'symbol', label: 'symbol', placeholder: 'e.g. BTCUSDT', upper: true },
  { name: 'actor', label: 'actor', placeholder: 'e.g. system:risk' },
  {
    name: 'type',
    label: 'event type',
    placeholder: 'e.g. RiskDecided',
    options: [
      'SignalEmitted',
      'RiskDecided',
      'OrderRequested',
      'OrderAccepted',
      'OrderFilled',
      'FillSettled',
    ],
  },
  { name: 'correlationId', label: 'correlation', placeholder: 'chain id' },
];
const names = fields.map((f) => f.name);

/** datetime-local has no zone; the audit trail is read in UTC like the log's domain time. */
const utc = (local: string): string | undefined => {
  const ms = local ? Date.parse(`${local}:00Z`) : Number.NaN;
  // A hand-edited URL can hold anything; an unreadable time is no filter rather than a broken page.
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

function ChainLookup({ onOpen }: { onOpen: (id: string) => void }) {
  const [id, setId] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (id.trim()) onOpen(id.trim());
  };
  return (
    <form onSubmit={submit} className="flex gap-2">
      <Input
        className="h-8 w-72"
        placeholder="order, correlation or event id"
        value={id}
        onChange={(e) => setId(e.target.value)}
        aria-label="chain id"
      />
      <Button size="sm" type="submit" variant="secondary">
        <Search /> explain
      </Button>
    </form>
  );
}

export function AuditPage() {
  const filters = useUrlFilters(names);
  const [open, setOpen] = useState<string | null>(null);
  const v = filters.values;
  const typed = useDebounced(v);
  const query = { ...typed, from: utc(typed.from ?? ''), to: utc(typed.to ?? '') };
  return (
    <div className="space-y-4">
      <PageHeader title="Audit">
        <ChainLookup onOpen={setOpen} />
      </PageHeader>
      <Card>
        <CardHeader>
          <CardTitle>Timeline</CardTitle>
        </CardHeader>
        <CardContent className="space-y-3">
          <FilterBar fields={fields} values={v} onChange={filters.set} onClear={filters.clear} />
          <Timeline filters={query} onOpen={setOpen} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Risk decisions</CardTitle>
        </CardHeader>
        <CardContent>
          <RiskDecisions onOpen={setOpen} />
        </CardContent>
      </Card>
      <ChainSheet id={open} onClose={() => setOpen(null)} />
    </div>
  );
}
