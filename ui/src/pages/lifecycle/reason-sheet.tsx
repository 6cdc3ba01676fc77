import { type FormEvent, type ReactNode, useState } from 'react';
import { useLifecycleAction } from '@/api/lifecycle-hooks';
import type { LifecycleStrategy } from '@/api/lifecycle-types';
import { Button } from '@/components/ui/button';
import { Sheet } from '@/components/ui/sheet';
import { ActionError, ApproverInput } from './action-error';
import type { Acting, Done } from './approver';
import { fmtShare } from './format';

interface SheetProps {
  strategyId: string;
  /** The strategy as the latest read has it; null when it is no longer there. */
  strategy: LifecycleStrategy | null;
  acting: Acting;
  onClose: () => void;
  onDone: Done;
}

const onReal = (s: LifecycleStrategy | null) => s !== null && (s.stage === 'canary' || s.stage === 'prod');

/** Taking real money away now: the approval is gone, and a canary or prod run flattens. */
export function RevokeSheet({ strategyId, strategy: s, ...rest }: SheetProps) {
  return (
    <ReasonSheet
      action="revoke"
      strategyId={strategyId}
      title={`Revoke real money from ${strategyId}`}
      testId="lifecycle-revoke-sheet"
      submitLabel="Revoke real money"
      blocked={
        s === null
          ? `${strategyId} is no longer in the lifecycle`
          : s.approvedBy === null
            ? `${strategyId} is not allowed real money: nothing to revoke`
            : null
      }
      intro={
        <>
          <p>
            {strategyId} loses the approval {s?.approvedBy ? `${s.approvedBy} gave it` : 'it was given'} now.{' '}
            {onReal(s)
              ? `It is at ${s?.stage}: it goes back to shadow at once and its real run flattens its positions.`
              : `It is at ${s?.stage ?? '—'}: it trades no real money now, and will not go to canary.`}
          </p>
          {s?.realRun && (
            <p className="text-muted-foreground">
              real run <span className="font-mono">{s.realRun.runId}</span> ({s.realRun.mode},{' '}
              {s.realRun.state}, {fmtShare(s.realRun.share)} of the capital)
            </p>
          )}
          <p className="text-muted-foreground">It trades real money again only after a new approval.</p>
        </>
      }
      {...rest}
    />
  );
}

/** Retiring a strategy: it moves no further, and loses real money if it had any. */
export function RetireSheet({ strategyId, strategy: s, ...rest }: SheetProps) {
  return (
    <ReasonSheet
      action="retire"
      strategyId={strategyId}
      title={`Retire ${strategyId}`}
      testId="lifecycle-retire-sheet"
      submitLabel={`Retire ${strategyId}`}
      blocked={
        s === null
          ? `${strategyId} is no longer in the lifecycle`
          : s.stage === 'retired'
            ? `${strategyId} is retired already`
            : null
      }
      intro={
        <>
          <p>
            {strategyId} is at {s?.stage ?? '—'}. Retired, it moves no further: no gate moves it again, and it
            cannot be allowed real money.
            {onReal(s) && ' It is on real money now: that is taken away at once.'}
          </p>
          <p className="text-muted-foreground">This cannot be undone from this page.</p>
        </>
      }
      {...rest}
    />
  );
}

interface ReasonSheetProps {
  action: 'revoke' | 'retire';
  strategyId: string;
  title: string;
  testId: string;
  intro: ReactNode;
  submitLabel: string;
  /** Why the action cannot be sent at all, or null. */
  blocked: string | null;
  acting: Acting;
  onClose: () => void;
  onDone: Done;
}

/** The approver and a required reason: what a revocation and a retirement both record. */
function ReasonSheet({
  action: kind,
  strategyId,
  title,
  testId,
  intro,
  submitLabel,
  blocked,
  acting,
  onClose,
  onDone,
}: ReasonSheetProps) {
  const action = useLifecycleAction();
  const { approver, setApprover, remember, refused, onError } = acting;
  const [reason, setReason] = useState('');
  const why =
    blocked ??
    (!approver ? 'type your user id' : (refused ?? (!reason.trim() ? 'a reason is required' : null)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (why || action.isPending) return;
    remember();
    action.mutate(
      { action: kind, approver, body: { strategyId, note: reason.trim() } },
      { onSuccess: (r) => onDone(r, approver), onError },
    );
  };
  return (
    <Sheet open onClose={onClose} title={title} className="max-w-xl">
      <form className="space-y-4" onSubmit={submit} data-testid={testId} data-strategy={strategyId}>
        <div className="space-y-1 text-xs">{intro}</div>
        <ActionError error={action.error} />
        <ApproverInput
          id={`${testId}-approver`}
          value={approver}
          onChange={setApprover}
          testId="lifecycle-sheet-approver"
        />
        <div className="space-y-1">
          <label htmlFor={`${testId}-reason`} className="text-xs font-medium text-muted-foreground">
            reason (required)
          </label>
          <textarea
            id={`${testId}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={2000}
            rows={3}
            required
            placeholder="recorded with the decision, for the audit"
            className="flex w-full rounded-md border border-input bg-transparent px-3 py-1.5 text-sm placeholder:text-muted-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            data-testid="lifecycle-reason"
          />
        </div>
        <div className="flex items-center gap-3">
          <Button
            type="submit"
            variant="destructive"
            disabled={why !== null || action.isPending}
            data-testid="lifecycle-confirm"
          >
            {action.isPending ? 'sending…' : submitLabel}
          </Button>
          {why && <span className="text-xs text-muted-foreground">{why}</span>}
        </div>
      </form>
    </Sheet>
  );
}
