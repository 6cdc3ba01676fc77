import { ApiError } from '@/api/client';
import { Input } from '@/components/ui/input';

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

export function ApproverInput({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        approver (your user id)
      </label>
      <Input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="your user id"
        autoComplete="off"
        className="h-8"
        data-testid="hotlist-approver"
      />
      <p className="text-[11px] text-muted-foreground">
        sent as x-perpetua-user; the server checks it against PERPETUA_APPROVERS
      </p>
    </div>
  );
}
