import { useState } from 'react';
import { useRiskLimits } from '@/api/risk-limits-hooks';
import type { LimitScope, RiskLimitsView } from '@/api/risk-limits-types';
import { ChainSheet } from '@/components/chain-sheet';
import { PageHeader } from '@/components/layout';
import { QueryState } from '@/components/query-state';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { RiskDecisions } from '../audit/risk-decisions';
import { BreakersCard } from '../dashboard/breakers-card';
import { draftOf, type LimitsDraft, LimitsForm } from './limits-form';
import { LimitsHistory } from './limits-history';
import { LimitsTable } from './limits-table';

/**
 * The risk centre (design §12.5): the pre-trade limits in force and who changed them, the form to change
 * them, the circuit breakers with their step-down, and the decisions the limits produced.
 */
export function RiskPage() {
  const limits = useRiskLimits();
  const [chain, setChain] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      <PageHeader title="Risk">
        <span className="text-xs text-muted-foreground">
          pre-trade limits, circuit breakers and the decisions they produced
        </span>
      </PageHeader>
      <QueryState query={limits}>{(view) => <LimitsView view={view} />}</QueryState>
      <Card>
        <CardHeader>
          <CardTitle>Latest risk decisions</CardTitle>
        </CardHeader>
        <CardContent>
          <RiskDecisions onOpen={setChain} />
        </CardContent>
      </Card>
      <ChainSheet id={chain} onClose={() => setChain(null)} />
    </div>
  );
}

function LimitsView({ view }: { view: RiskLimitsView }) {
  // The form is mounted again for each layer loaded into it, so it starts from that layer's values.
  const [draft, setDraft] = useState<{ n: number; initial: LimitsDraft }>(() => ({
    n: 0,
    initial: draftOf(view, 'defaults', null),
  }));
  const load = (scope: LimitScope, key: string | null) =>
    setDraft((d) => ({ n: d.n + 1, initial: draftOf(view, scope, key) }));
  return (
    <>
      <div className="grid gap-4 xl:grid-cols-5">
        <Card className="xl:col-span-3" data-testid="limits-in-force">
          <CardHeader className="flex-col items-start gap-1">
            <CardTitle>Limits in force</CardTitle>
            <CardDescription>
              The most specific layer wins field by field: defaults → account → strategy → symbol →
              strategy×symbol. A rule switched off in one layer stays off in those above it.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <LimitsTable
              view={view}
              onEdit={(scope, key) => {
                load(scope, key);
                document.getElementById('limits-change')?.scrollIntoView({ behavior: 'smooth' });
              }}
            />
          </CardContent>
        </Card>
        <div className="space-y-4 xl:col-span-2">
          <Card id="limits-change">
            <CardHeader>
              <CardTitle>Change limits</CardTitle>
            </CardHeader>
            <CardContent>
              <LimitsForm key={draft.n} view={view} initial={draft.initial} onLoad={load} />
            </CardContent>
          </Card>
          <BreakersCard />
        </div>
      </div>
      <Card data-testid="limits-history-card">
        <CardHeader>
          <CardTitle>History</CardTitle>
        </CardHeader>
        <CardContent>
          <LimitsHistory changes={view.changes} />
        </CardContent>
      </Card>
    </>
  );
}
