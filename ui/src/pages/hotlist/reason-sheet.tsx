import { type FormEvent, type ReactNode, useState } from 'react';
import { useHotlistAction } from '@/api/hotlist-hooks';
import type { HotlistActionResult, HotlistScan } from '@/api/hotlist-types';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Sheet } from '@/components/ui/sheet';
import { useApprover } from '@/hooks/approver';
import { fmtTime } from '@/lib/format';
import { ActionError, ApproverInput } from './action-error';

type Done = (r: HotlistActionResult, approver: string) => void;

/** Declining a candidate of the latest scan: it stays off the whitelist, and the reason is recorded. */
export function DeclineSheet({
  symbol,
  openedOn,
  scan,
  onClose,
  onDone,
}: {
  symbol: string;
  openedOn: string;
  scan: HotlistScan | null;
  onClose: () => void;
  onDone: Done;
}) {
  const action = useHotlistAction();
  const candidate = scan?.candidates.find((c) => c.symbol === symbol) ?? null;
  // A decline names a scan too: it is sent on the latest one, and the person is told if that moved.
  const moved = scan !== null && scan.scanId !== openedOn;
  return (
    <ReasonSheet
      title={`Decline ${symbol}`}
      testId="decline-sheet"
      intro={`${symbol} stays off the whitelist; a scan after this one may rank it again.`}
      submitLabel={`Decline ${symbol}`}
      blocked={candidate === null || !scan ? `${symbol} is not a candidate of the latest scan` : null}
      notice={
        moved &&
        `A newer scan (${scan.scanId}, market time ${fmtTime(scan.at)}) has replaced the one you opened this on: check ${symbol}'s row in the new ranking before declining.`
      }
      action={action}
      onClose={onClose}
      onSubmit={(approver, reason) =>
        scan &&
        action.mutate(
          { action: 'decline', approver, body: { symbol, scanId: scan.scanId, reason } },
          { onSuccess: (r) => onDone(r, approver) },
        )
      }
    />
  );
}

/** Taking a symbol off the whitelist: the node stops trading it through the hotlist. */
export function RemoveSheet({
  symbol,
  onClose,
  onDone,
}: {
  symbol: string;
  onClose: () => void;
  onDone: Done;
}) {
  const action = useHotlistAction();
  return (
    <ReasonSheet
      title={`Remove ${symbol} from the whitelist`}
      testId="remove-sheet"
      intro={`${symbol} is no longer traded through the hotlist; enabling it again takes a new approval on a later scan.`}
      submitLabel={`Remove ${symbol}`}
      blocked={null}
      notice={null}
      action={action}
      onClose={onClose}
      onSubmit={(approver, reason) =>
        action.mutate(
          { action: 'remove', approver, body: { symbol, reason } },
          { onSuccess: (r) => onDone(r, approver) },
        )
      }
    />
  );
}

interface ReasonSheetProps {
  title: string;
  testId: string;
  intro: string;
  submitLabel: string;
  /** Why the action cannot be sent at all, or null. */
  blocked: string | null;
  notice: ReactNode;
  action: ReturnType<typeof useHotlistAction>;
  onClose: () => void;
  onSubmit: (approver: string, reason: string) => void;
}

/** The approver and a required reason: what a decline and a removal both record. */
function ReasonSheet({
  title,
  testId,
  intro,
  submitLabel,
  blocked,
  notice,
  action,
  onClose,
  onSubmit,
}: ReasonSheetProps) {
  const { approver, setApprover, remember } = useApprover();
  const [reason, setReason] = useState('');
  const why = blocked ?? (!approver ? 'type your user id' : !reason.trim() ? 'a reason is required' : null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (why || action.isPending) return;
    remember();
    onSubmit(approver, reason.trim());
  };
  return (
    <Sheet open onClose={onClose} title={title} className="max-w-xl">
      <form className="space-y-4" onSubmit={submit} data-testid={testId}>
        <p className="text-xs text-muted-foreground">{intro}</p>
        {notice && (
          <div
            className="rounded-md border border-warning/50 px-3 py-2 text-xs text-warning"
            data-testid="scan-moved"
          >
            {notice}
          </div>
        )}
        <ActionError error={action.error} />
        <ApproverInput id={`${testId}-approver`} value={approver} onChange={setApprover} />
        <div className="space-y-1">
          <label htmlFor={`${testId}-reason`} className="text-xs font-medium text-muted-foreground">
            reason (required)
          </label>
          <Input
            id={`${testId}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={2000}
            placeholder="recorded with the decision, for the audit"
            className="h-8"
            data-testid="hotlist-reason"
          />
        </div>
        <div className="flex items-center gap-3">
          <Button
            type="submit"
            variant="destructive"
            disabled={why !== null || action.isPending}
            data-testid="reason-confirm"
          >
            {action.isPending ? 'sending…' : submitLabel}
          </Button>
          {why && <span className="text-xs text-muted-foreground">{why}</span>}
        </div>
      </form>
    </Sheet>
  );
}
