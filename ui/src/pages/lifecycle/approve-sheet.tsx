import { type FormEvent, useState } from 'react';
import { useLifecycleAction } from '@/api/lifecycle-hooks';
import type { Lifecycle, LifecycleStrategy } from '@/api/lifecycle-types';
import { Button } from '@/components/ui/button';
import { Sheet } from '@/components/ui/sheet';
import { ActionError, ApproverInput } from './action-error';
import type { Acting, Done } from './approver';
import { EvidenceTable } from './evidence-table';
import { canaryCapital, fmtShare } from './format';
import { GateChecks } from './gate-checks';

interface Props {
  strategyId: string;
  /** The strategy as the latest read has it; null when it is no longer there. */
  strategy: LifecycleStrategy | null;
  realMoney: Lifecycle['realMoney'];
  canaryShare: number;
  acting: Acting;
  onClose: () => void;
  onDone: Done;
}

/**
 * The one human decision: letting a strategy trade real money. The sheet shows what the approval is
 * given on (the shadow run's evidence and the canary gate's checks, as the latest read has them; the
 * server records its own reading of both with the approval) and says plainly what follows from it.
 */
export function ApproveSheet({
  strategyId,
  strategy,
  realMoney,
  canaryShare,
  acting,
  onClose,
  onDone,
}: Props) {
  const action = useLifecycleAction();
  const [note, setNote] = useState('');
  const { approver, setApprover, remember, refused, onError } = acting;
  const s = strategy;
  const blocked =
    s === null
      ? `${strategyId} is no longer in the lifecycle`
      : s.stage === 'retired'
        ? `${strategyId} is retired`
        : s.approvedBy !== null
          ? `${s.approvedBy} let ${strategyId} trade real money already`
          : !approver
            ? 'type your user id'
            : refused;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked || action.isPending) return;
    remember();
    const trimmed = note.trim();
    action.mutate(
      { action: 'approve', approver, body: { strategyId, ...(trimmed ? { note: trimmed } : {}) } },
      { onSuccess: (r) => onDone(r, approver), onError },
    );
  };
  const share = fmtShare(canaryShare);
  const amount = canaryCapital(realMoney.capital, canaryShare);
  const canaryGate = s?.next?.stage === 'canary' ? s.next : null;
  return (
    <Sheet open onClose={onClose} title={`Allow ${strategyId} real money`} className="max-w-2xl">
      <form
        className="space-y-4"
        onSubmit={submit}
        data-testid="lifecycle-approve-sheet"
        data-strategy={strategyId}
      >
        <div
          className="space-y-2 rounded-md border border-warning/50 px-3 py-2 text-xs"
          data-testid="lifecycle-approve-consequence"
        >
          <p className="font-medium text-warning">This is the only approval {strategyId} gets.</p>
          <p>
            From then on it moves on its evidence alone: to <strong>canary</strong> as soon as its shadow run
            passes the canary gate, sending <strong>real orders</strong> on the real account sized on{' '}
            <strong>{share}</strong> of the capital
            {realMoney.capital !== null &&
              (amount !== null ? ` (${amount} of ${realMoney.capital})` : ` (${realMoney.capital})`)}
            ; then to <strong>prod</strong>, the whole capital, when the canary run passes the prod gate
            against the shadow run. No one is asked again.
          </p>
          <p className="text-muted-foreground">
            It is taken off real money (back to shadow) at once when its real run's breaker trips or it draws
            down past the demotion limit; an approver can revoke real money or retire it at any time.
          </p>
        </div>
        {realMoney.venue === null && (
          <div
            className="rounded-md border border-destructive/50 px-3 py-2 text-xs text-destructive"
            data-testid="lifecycle-approve-no-venue"
          >
            This node cannot trade real money now{realMoney.why ? `: ${realMoney.why}` : ''}. The approval is
            recorded all the same.
          </div>
        )}
        <ActionError error={action.error} />
        {s !== null && (
          <>
            <section className="space-y-1" aria-label="shadow evidence">
              <h4 className="text-xs font-medium text-muted-foreground">
                the shadow run's evidence{s.stage !== 'shadow' && ` (${strategyId} is at ${s.stage} now)`}
              </h4>
              <EvidenceTable
                rows={[{ label: 'shadow', evidence: s.evidence.shadow, judged: s.stage === 'shadow' }]}
                testId="lifecycle-approve-evidence"
              />
            </section>
            <section className="space-y-1" aria-label="canary gate">
              <h4 className="text-xs font-medium text-muted-foreground">
                the canary gate's checks, on that run
              </h4>
              {canaryGate === null ? (
                <p className="text-xs text-muted-foreground" data-testid="lifecycle-approve-no-gate">
                  {s.stage === 'paper'
                    ? `${strategyId} is on paper: it must pass the shadow gate on its paper run first (waiting for: ${s.next?.waitingFor ?? '—'}); the canary gate is judged on its shadow run after that.`
                    : `the canary gate is judged while ${strategyId} is in shadow; it is at ${s.stage} now.`}
                </p>
              ) : canaryGate.checks.length === 0 ? (
                <p className="text-xs text-muted-foreground">no check yet: there is no shadow run to judge</p>
              ) : (
                <>
                  <GateChecks checks={canaryGate.checks} testId="lifecycle-approve-checks" />
                  <p className="text-xs">
                    {canaryGate.checks.every((c) => c.pass)
                      ? `Every check passes: ${strategyId} goes to canary at the next evaluation once you confirm.`
                      : `Not every check passes: ${strategyId} goes to canary only once they all do, with no further approval.`}
                  </p>
                </>
              )}
            </section>
          </>
        )}
        <ApproverInput
          id="lifecycle-approve-approver"
          value={approver}
          onChange={setApprover}
          testId="lifecycle-sheet-approver"
        />
        <div className="space-y-1">
          <label htmlFor="lifecycle-approve-note" className="text-xs font-medium text-muted-foreground">
            note (optional)
          </label>
          <textarea
            id="lifecycle-approve-note"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            maxLength={2000}
            rows={3}
            placeholder="why this strategy may trade real money, for the audit"
            className="flex w-full rounded-md border border-input bg-transparent px-3 py-1.5 text-sm placeholder:text-muted-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            data-testid="lifecycle-note"
          />
        </div>
        <div className="flex items-center gap-3">
          <Button
            type="submit"
            disabled={blocked !== null || action.isPending}
            data-testid="lifecycle-confirm"
          >
            {action.isPending ? 'sending…' : `Allow ${strategyId} real money`}
          </Button>
          {blocked && <span className="text-xs text-muted-foreground">{blocked}</span>}
        </div>
      </form>
    </Sheet>
  );
}
