import { ApiError } from '@/api/client';
import { ApproverField } from '@/components/approver-action';

/** What the person can do about a refusal, where the server's message alone does not say it. */
const hints: Record<string, string> = {
  'stale-scan':
    'A newer scan has replaced the one you were looking at. The ranking has been re-read: review it and its labels, then decide again.',
  forbidden: 'The user id must be one of PERPETUA_APPROVERS on the server.',
  approvals_disabled: 'The server has no approvers: start it with PERPETUA_APPROVERS=<user>[,<user>…].',
  'unacknowledged-risk': 'Tick "I understand" on every danger label.',
};

/** The server's refusal in its own words (status, rule, message), never swallowed. */
export function ActionError({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const hint = api ? hints[api.code] : undefined;
  return (
    <div
      role="alert"
      className="space-y-1 rounded-md border border-destructive/50 px-3 py-2 text-xs text-destructive"
      data-testid="hotlist-error"
      data-code={api?.code}
    >
      <div>{api ? `${api.status} ${api.code}: ${api.message}` : String(error)}</div>
      {hint && <div className="text-foreground/80">{hint}</div>}
    </div>
  );
}

/** The approver field of the hotlist's sheets (ApproverField with the hotlist's test id). */
export function ApproverInput({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return <ApproverField id={id} value={value} onChange={onChange} testId="hotlist-approver" />;
}
