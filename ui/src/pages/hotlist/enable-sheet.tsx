import { type FormEvent, useState } from 'react';
import { useHotlistAction } from '@/api/hotlist-hooks';
import type { Candidate, HotlistActionResult, HotlistScan } from '@/api/hotlist-types';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Sheet } from '@/components/ui/sheet';
import { useApprover } from '@/hooks/approver';
import { fmtCompact, fmtSignedPct, fmtTime } from '@/lib/format';
import { ActionError, ApproverInput } from './action-error';
import { bySeverity, RiskLabelBadge } from './labels';
import { fmtPrice } from './ranking';

interface Props {
  symbol: string;
  /** The scan the person opened this on; if a newer one has come since, they are told so. */
  openedOn: string;
  /** The latest scan, as the page has it now. */
  scan: HotlistScan | null;
  onClose: () => void;
  onDone: (r: HotlistActionResult, approver: string) => void;
}

/**
 * Enabling a symbol: every label of the candidate in the latest scan, each with "I understand". The
 * danger ones must be ticked before the button is enabled; the server checks the same and answers 422
 * unacknowledged-risk otherwise. The labels always come from the latest scan, and the ticks belong to
 * the scan they were given on: when a newer scan lands while this is open they are cleared, because
 * what was understood was the old scan's numbers.
 */
export function EnableSheet({ symbol, openedOn, scan, onClose, onDone }: Props) {
  const action = useHotlistAction();
  const { approver, setApprover, remember } = useApprover();
  const [note, setNote] = useState('');
  const [ticks, setTicks] = useState<{ scanId: string; codes: ReadonlySet<string> }>({
    scanId: openedOn,
    codes: new Set(),
  });
  const candidate = scan?.candidates.find((c) => c.symbol === symbol) ?? null;
  const moved = scan !== null && scan.scanId !== openedOn;
  const ticked = scan !== null && ticks.scanId === scan.scanId ? ticks.codes : new Set<string>();
  const tick = (code: string, on: boolean) => {
    if (!scan) return;
    const next = new Set(ticked);
    if (on) next.add(code);
    else next.delete(code);
    setTicks({ scanId: scan.scanId, codes: next });
  };
  const submit = (acknowledged: string[]) => {
    if (!scan) return;
    remember();
    const trimmed = note.trim();
    action.mutate(
      {
        action: 'approve',
        approver,
        body: { symbol, scanId: scan.scanId, acknowledged, ...(trimmed ? { note: trimmed } : {}) },
      },
      { onSuccess: (r) => onDone(r, approver) },
    );
  };
  return (
    <Sheet open onClose={onClose} title={`Enable ${symbol}`} className="max-w-2xl">
      <div className="space-y-4" data-testid="enable-sheet" data-symbol={symbol}>
        {moved && (
          <div
            className="rounded-md border border-warning/50 px-3 py-2 text-xs text-warning"
            data-testid="scan-moved"
          >
            A newer scan ({scan.scanId}, market time {fmtTime(scan.at)}) has replaced the one you opened this
            on. What follows is {symbol} as the new scan sees it: read its labels again.
          </div>
        )}
        <ActionError error={action.error} />
        {candidate === null ? (
          <p className="text-sm text-muted-foreground">
            {symbol} is not a candidate of the latest scan: it cannot be enabled from this ranking.
          </p>
        ) : (
          <EnableForm
            candidate={candidate}
            ticked={ticked}
            onTick={tick}
            approver={approver}
            onApprover={setApprover}
            note={note}
            onNote={setNote}
            pending={action.isPending}
            onSubmit={submit}
          />
        )}
      </div>
    </Sheet>
  );
}

interface FormProps {
  candidate: Candidate;
  ticked: ReadonlySet<string>;
  onTick: (code: string, on: boolean) => void;
  approver: string;
  onApprover: (v: string) => void;
  note: string;
  onNote: (v: string) => void;
  pending: boolean;
  onSubmit: (acknowledged: string[]) => void;
}

function EnableForm({
  candidate: c,
  ticked,
  onTick,
  approver,
  onApprover,
  note,
  onNote,
  pending,
  onSubmit,
}: FormProps) {
  const labels = bySeverity(c.labels);
  const missing = labels.filter((l) => l.severity === 'danger' && !ticked.has(l.code));
  const blocked =
    c.status === 'whitelisted'
      ? `${c.symbol} is on the whitelist already`
      : missing.length > 0
        ? `tick every danger label first (${missing.length} left)`
        : !approver
          ? 'type your user id'
          : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked || pending) return;
    // In the candidate's label order, as the server records them.
    onSubmit(c.labels.map((l) => l.code).filter((code) => ticked.has(code)));
  };
  return (
    <form className="space-y-4" onSubmit={submit}>
      <p className="text-xs text-muted-foreground">
        rank {c.rank} · score {(c.score * 100).toFixed(0)}% · last {fmtPrice(c.lastPrice)} · 24h{' '}
        {fmtSignedPct(c.return24h)} · turnover {fmtCompact(c.turnover24h)} USDT
      </p>
      <fieldset className="space-y-2">
        <legend className="mb-2 text-xs font-medium text-muted-foreground">
          {labels.length === 0
            ? `${c.symbol} carries no risk label in this scan.`
            : `Every risk label of ${c.symbol}; the danger ones must be acknowledged.`}
        </legend>
        {labels.map((l) => (
          <div
            key={l.code}
            className="flex items-start gap-3 rounded-md border px-3 py-2"
            data-testid="ack-label"
            data-code={l.code}
            data-severity={l.severity}
          >
            <div className="min-w-0 flex-1 space-y-1">
              <div className="flex items-center gap-2">
                <RiskLabelBadge label={l} />
                <span className="text-[11px] text-muted-foreground uppercase">{l.severity}</span>
              </div>
              <p className="text-xs text-muted-foreground">{l.detail}</p>
            </div>
            <label className="flex shrink-0 items-center gap-2 text-xs">
              <input
                type="checkbox"
                className="size-4 accent-primary"
                checked={ticked.has(l.code)}
                onChange={(e) => onTick(l.code, e.target.checked)}
                data-testid="ack-checkbox"
                data-code={l.code}
              />
              I understand
              {l.severity === 'danger' && <span className="text-destructive">(required)</span>}
            </label>
          </div>
        ))}
      </fieldset>
      <ApproverInput id="enable-approver" value={approver} onChange={onApprover} />
      <div className="space-y-1">
        <label htmlFor="enable-note" className="text-xs font-medium text-muted-foreground">
          note (optional)
        </label>
        <Input
          id="enable-note"
          value={note}
          onChange={(e) => onNote(e.target.value)}
          maxLength={2000}
          placeholder="why this symbol, for the audit"
          className="h-8"
          data-testid="enable-note"
        />
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={blocked !== null || pending} data-testid="enable-confirm">
          {pending ? 'enabling…' : `Enable ${c.symbol}`}
        </Button>
        {blocked && <span className="text-xs text-muted-foreground">{blocked}</span>}
      </div>
    </form>
  );
}
