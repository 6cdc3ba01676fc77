import { ApiError } from '@/api/client';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

/**
 * The server's refusal of a person's action in its own words (status, code, message), with what they can
 * do about it where the message alone does not say. A decider's refusal starts with its rule, which the
 * line shows already as the code.
 */
export function ApiRefusal({
  error,
  hints,
  testId,
}: {
  error: unknown;
  hints: Readonly<Record<string, string>>;
  testId: string;
}) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const hint = api ? hints[api.code] : undefined;
  const message = api?.message.startsWith(`${api.code}: `)
    ? api.message.slice(api.code.length + 2)
    : api?.message;
  return (
    <div
      role="alert"
      className="space-y-1 rounded-md border border-destructive/50 px-3 py-2 text-xs text-destructive"
      data-testid={testId}
      data-status={api?.status}
      data-code={api?.code}
    >
      <div>{api ? `${api.status} ${api.code}: ${message}` : String(error)}</div>
      {hint && <div className="text-foreground/80">{hint}</div>}
    </div>
  );
}

/** The approver's user id, sent as x-perpetua-user: what every approver form asks for. */
export function ApproverField({
  id,
  value,
  onChange,
  testId,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  testId: string;
}) {
  return (
    <Field id={id} label="approver (your user id)">
      <Input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="your user id"
        autoComplete="off"
        className="h-8"
        data-testid={testId}
      />
      <p className="text-[11px] text-muted-foreground">
        sent as x-perpetua-user; the server checks it against PERPETUA_APPROVERS
      </p>
    </Field>
  );
}
