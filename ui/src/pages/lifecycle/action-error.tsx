import { ApiError } from '@/api/client';
import { ApiRefusal } from '@/components/approver-action';

/** What the person can do about a refusal, where the server's message alone does not say it. */
const hints: Record<string, string> = {
  forbidden: 'The user id must be one of PERPETUA_APPROVERS on the server.',
  approvals_disabled: 'The server has no approvers: start it with PERPETUA_APPROVERS=<user>[,<user>…].',
  invalid_request:
    'The user id takes letters, digits and . @ _ - (at most 64); a revocation or a retirement needs a reason.',
  'already-approved': 'Someone let it trade real money meanwhile: the page has been re-read.',
  'not-approved':
    'Its approval was revoked meanwhile, so there is nothing to revoke: the page has been re-read.',
  retired: 'A retired strategy moves no further: it cannot be allowed real money, nor retired again.',
  'not-onboarded': 'The node has not onboarded this strategy: it is on no way to real money yet.',
};

/** A 403 that says this user (or anyone) cannot act here: the page disables the actions until it changes. */
export interface Refusal {
  /** The user id refused, or null when the server refuses everyone (no approvers configured). */
  approver: string | null;
  code: string;
  message: string;
}

export const refusalOf = (error: unknown, approver: string): Refusal | null =>
  error instanceof ApiError && error.status === 403
    ? {
        approver: error.code === 'approvals_disabled' ? null : approver,
        code: error.code,
        message: error.message,
      }
    : null;

/** Why this user cannot act, from the server's last refusal; null when nothing says so. */
export const refusedBecause = (refusal: Refusal | null, approver: string): string | null => {
  if (!refusal) return null;
  if (refusal.approver === null)
    return 'the server has no approvers (PERPETUA_APPROVERS): reload once it has';
  return refusal.approver === approver ? `the server refused ${approver}: ${refusal.message}` : null;
};

/** The server's refusal in its own words (status, rule, message), never swallowed. */
export function ActionError({ error }: { error: unknown }) {
  return <ApiRefusal error={error} hints={hints} testId="lifecycle-error" />;
}

/** The lifecycle's approver forms ask for the user id as every approver form does. */
export { ApproverField as ApproverInput } from '@/components/approver-action';
