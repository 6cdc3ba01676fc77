import { useMemo, useState } from 'react';
import { useLifecycle } from '@/api/lifecycle-hooks';
import type { Lifecycle, LifecycleActionResult } from '@/api/lifecycle-types';
import { PageHeader } from '@/components/layout';
import { QueryState } from '@/components/query-state';
import { Card, CardContent } from '@/components/ui/card';
import { useApprover } from '@/hooks/approver';
import { type Refusal, refusalOf, refusedBecause } from './action-error';
import { ApproveSheet } from './approve-sheet';
import type { Acting } from './approver';
import { HistoryCard } from './history';
import { RealMoneyCard } from './real-money-card';
import { RetireSheet, RevokeSheet } from './reason-sheet';
import { type StrategyActions, StrategyCard } from './strategy-card';

type Kind = 'approve' | 'revoke' | 'retire';
type Open = { kind: Kind; strategyId: string } | null;

const done: Record<Kind, string> = {
  approve: 'allowed real money',
  revoke: 'no longer allowed real money',
  retire: 'retired',
};

/** The stage each retired strategy left from, from the newest retirement in the history. */
const retiredFrom = (history: Lifecycle['history']): Map<string, string> => {
  const from = new Map<string, string>();
  for (const m of history)
    if (m.kind === 'stage' && m.to === 'retired' && m.from && !from.has(m.strategyId))
      from.set(m.strategyId, m.from);
  return from;
};

/**
 * Automation 8: each strategy's way to real money, paper → shadow → canary → prod, on the evidence of its
 * runs. Letting a strategy trade real money is the one decision a person takes here; after it, promotion
 * and demotion are automatic.
 */
export function LifecyclePage() {
  const lifecycle = useLifecycle();
  const [open, setOpen] = useState<Open>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { approver, setApprover, remember } = useApprover();
  // The server's last 403: it says who may not act, so the actions say it too until the id changes.
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const acting: Acting = {
    approver,
    setApprover,
    remember,
    refused: refusedBecause(refusal, approver),
    onError: (e) => {
      const r = refusalOf(e, approver);
      if (r) setRefusal(r);
    },
  };
  const close = () => setOpen(null);
  const onDone = (r: LifecycleActionResult, by: string) => {
    const what = open ? done[open.kind] : 'done';
    setOpen(null);
    setRefusal(null);
    setMessage(`${r.strategyId} ${what} by ${by} (${r.events.join(', ')})`);
  };
  const act = (kind: Kind) => (strategyId: string) => {
    setMessage(null);
    setOpen({ kind, strategyId });
  };
  const data = lifecycle.data;
  const strategy = open ? (data?.strategies.find((s) => s.strategyId === open.strategyId) ?? null) : null;
  return (
    <div className="space-y-4">
      <PageHeader title="Lifecycle">
        <span className="text-xs text-muted-foreground">
          paper → shadow → canary → prod on each stage's evidence; one person's approval before real money
        </span>
      </PageHeader>
      {message && (
        <div
          role="status"
          className="rounded-md border border-positive/50 px-3 py-2 text-xs text-positive"
          data-testid="lifecycle-done"
        >
          {message}
        </div>
      )}
      <QueryState query={lifecycle}>
        {(l) => (
          <LifecycleView
            l={l}
            acting={acting}
            onApprove={act('approve')}
            onRevoke={act('revoke')}
            onRetire={act('retire')}
          />
        )}
      </QueryState>
      {open?.kind === 'approve' && data && (
        <ApproveSheet
          strategyId={open.strategyId}
          strategy={strategy}
          realMoney={data.realMoney}
          canaryShare={data.canaryShare}
          acting={acting}
          onClose={close}
          onDone={onDone}
        />
      )}
      {open?.kind === 'revoke' && (
        <RevokeSheet
          strategyId={open.strategyId}
          strategy={strategy}
          acting={acting}
          onClose={close}
          onDone={onDone}
        />
      )}
      {open?.kind === 'retire' && (
        <RetireSheet
          strategyId={open.strategyId}
          strategy={strategy}
          acting={acting}
          onClose={close}
          onDone={onDone}
        />
      )}
    </div>
  );
}

function LifecycleView({ l, acting, ...actions }: { l: Lifecycle; acting: Acting } & StrategyActions) {
  const from = useMemo(() => retiredFrom(l.history), [l.history]);
  const blocked = !acting.approver ? 'type your approver user id above to act' : acting.refused;
  return (
    <>
      <RealMoneyCard
        realMoney={l.realMoney}
        canaryShare={l.canaryShare}
        accounts={l.accounts}
        acting={acting}
      />
      {l.strategies.length === 0 ? (
        <Card>
          <CardContent
            className="py-8 text-center text-sm text-muted-foreground"
            data-testid="lifecycle-empty"
          >
            No strategy is on its way to real money yet: each strategy the node runs is put on paper when it
            starts, and this page shows it as soon as that is recorded.
          </CardContent>
        </Card>
      ) : (
        <div className="space-y-4" data-testid="lifecycle-strategies">
          {l.strategies.map((s) => (
            <StrategyCard
              key={s.strategyId}
              strategy={s}
              retiredFrom={from.get(s.strategyId) ?? null}
              blocked={blocked}
              {...actions}
            />
          ))}
        </div>
      )}
      <HistoryCard history={l.history} />
    </>
  );
}
