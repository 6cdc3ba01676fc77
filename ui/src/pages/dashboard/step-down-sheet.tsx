import { type FormEvent, useState } from 'react';
import { useStepDownBreaker } from '@/api/hooks';
import { type Breaker, type BreakerStepDownResult, type StepDownTarget, stepDownTargets } from '@/api/types';
import { ApiRefusal, ApproverField } from '@/components/approver-action';
import { BreakerBadge } from '@/components/status-badges';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { Sheet } from '@/components/ui/sheet';
import { useApprover } from '@/hooks/approver';
import { fmtTime } from '@/lib/format';
import { type BreakerLevel, breakerLevels, levelIndex } from '../../../../domain/risk/breaker-levels';

/** The server's limit on a reason (POST /api/breakers/step-down). */
const maxReason = 500;

/** What the person can do about a refusal, where the server's (or the breaker's) message alone does not say it. */
const hints: Record<string, string> = {
  forbidden: 'The user id must be one of PERPETUA_APPROVERS on the server.',
  approvals_disabled: 'The server has no approvers: start it with PERPETUA_APPROVERS=<user>[,<user>…].',
  invalid_request:
    'The user id takes letters, digits and . @ _ - (at most 64); the reason at most 500 characters.',
  cooldown:
    'A ladder steps down only once its cooldown (1 h of the run’s market time by default) has passed since its last move. Try again later.',
  'measurements-still-breach':
    'What the run measures now still calls for a higher level than the one picked (a position near its liquidation keeps the margin ratio up, for one): pick a higher level, or wait.',
  'not-a-step-down': 'The ladder is not above that level any more: the card has been re-read.',
  refused: 'The card has been re-read: look at where the run’s ladders are now.',
  not_found:
    'This node drives no running paper or real run by that id: it may have finished, be still starting, or run on another node.',
  no_paper_runs: 'This node drives no paper runs: step a run down on the node that runs it.',
};

const isLevel = (l: string): l is BreakerLevel => (breakerLevels as readonly string[]).includes(l);

/** The highest level among a run's ladders: the server steps down every ladder above the target. */
const highestOf = (ladders: readonly Breaker[]): BreakerLevel =>
  ladders.reduce<BreakerLevel>(
    (hi, b) => (isLevel(b.level) && levelIndex(b.level) > levelIndex(hi) ? b.level : hi),
    'normal',
  );

interface Props {
  runId: string;
  /** The run's ladders (scope strategy and account, scope id = the run id), as the latest read has them. */
  ladders: readonly Breaker[];
  onClose: () => void;
  onDone: (r: BreakerStepDownResult, approver: string) => void;
}

/**
 * A person's step-down of a paper or real run's breakers (docs/risk.md, "Down"): they never come down by
 * themselves. The targets follow the latest read, so a ladder that moved while the sheet was open
 * changes what can be picked; the breaker judges the request on what the run measures then, and its
 * refusal (the cooldown, measurements that still call for more) is shown in its own words.
 */
export function StepDownSheet({ runId, ladders, onClose, onDone }: Props) {
  const action = useStepDownBreaker();
  const { approver, setApprover, remember } = useApprover();
  const [picked, setPicked] = useState<StepDownTarget | null>(null);
  const [reason, setReason] = useState('');
  const highest = highestOf(ladders);
  // Nearest first: the smallest step is the one to take unless the person means more.
  const targets = stepDownTargets.filter((l) => levelIndex(l) < levelIndex(highest)).reverse();
  const to = picked !== null && targets.includes(picked) ? picked : (targets[0] ?? null);
  const blocked =
    to === null
      ? `the run's breakers are at ${highest}: there is nothing to step down`
      : !approver
        ? 'type your user id'
        : !reason.trim()
          ? 'a reason is required'
          : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked || to === null || action.isPending) return;
    remember();
    action.mutate(
      { approver, body: { runId, to, reason: reason.trim() } },
      { onSuccess: (r) => onDone(r, approver) },
    );
  };
  return (
    <Sheet open onClose={onClose} title={`Step down the breakers of ${runId}`} className="max-w-xl">
      <form className="space-y-4" onSubmit={submit} data-testid="step-down-sheet" data-run-id={runId}>
        <p className="text-xs text-muted-foreground">
          Every ladder of this run above the level you pick goes to it, from the run's next decision on. Your
          approval acknowledges what tripped them: the drawdown is measured again from the equity now, and the
          loss streak, error rate and slippage start again. What still calls for more (the margin ratio of a
          position near its liquidation, say) keeps them up: the breaker then refuses, and writes nothing.
        </p>
        <ul className="space-y-1" data-testid="step-down-ladders">
          {ladders.map((b) => (
            <li key={b.scope} className="flex items-center gap-2 text-sm">
              <span className="w-16 text-muted-foreground">{b.scope}</span>
              <BreakerBadge level={b.level} />
              <span className="text-[11px] text-muted-foreground">since {fmtTime(b.since)}</span>
            </li>
          ))}
        </ul>
        <ApiRefusal error={action.error} hints={hints} testId="step-down-error" />
        <Field id="step-down-target" label="step down to">
          <Select
            id="step-down-target"
            value={to ?? ''}
            disabled={to === null}
            onChange={(e) => setPicked(e.target.value as StepDownTarget)}
            className="h-8"
            data-testid="step-down-target"
          >
            {targets.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="step-down-reason" label="reason (required)">
          <Input
            id="step-down-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={maxReason}
            placeholder="why trading may resume, for the audit"
            className="h-8"
            data-testid="step-down-reason"
          />
        </Field>
        <ApproverField
          id="step-down-approver"
          value={approver}
          onChange={setApprover}
          testId="step-down-approver"
        />
        <div className="flex items-center gap-3">
          <Button
            type="submit"
            disabled={blocked !== null || action.isPending}
            data-testid="step-down-confirm"
          >
            {action.isPending ? 'sending…' : to === null ? 'Step down' : `Step down to ${to}`}
          </Button>
          {blocked && <span className="text-xs text-muted-foreground">{blocked}</span>}
        </div>
      </form>
    </Sheet>
  );
}
