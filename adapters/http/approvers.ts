import { z } from 'zod';
import { ApiError } from './errors.js';

/** Ids as the actor grammar allows them (`user:<id>`), so an approver can always be recorded. */
export const userId = z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits and . @ _ - (at most 64)');

/** PERPETUA_APPROVERS=<user>[,<user>...]; null (nobody may approve) when unset or empty. */
export const approversFromEnv = (): readonly string[] | null => {
  const v = process.env.PERPETUA_APPROVERS;
  if (v === undefined || v.trim() === '') return null;
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
};

/**
 * Only an approver named by the x-perpetua-user header may act, and the body's `approver` must be that
 * user: the header authorises, the body records who. Checked first, so an outsider learns nothing.
 */
export const authorise = (
  allowed: readonly string[] | null,
  approver: string,
  user: string | undefined,
): void => {
  if (allowed === null)
    throw new ApiError(
      403,
      'approvals_disabled',
      'approver actions are disabled: set PERPETUA_APPROVERS=<user>[,<user>...] on the server and send x-perpetua-user: <user>',
    );
  if (!user)
    throw new ApiError(403, 'forbidden', 'send the header x-perpetua-user: <user id> of an approver');
  if (!allowed.includes(user))
    throw new ApiError(403, 'forbidden', `user ${JSON.stringify(user)} is not an approver`);
  if (approver !== user)
    throw new ApiError(
      403,
      'forbidden',
      `approver ${JSON.stringify(approver)} is not the user in x-perpetua-user`,
    );
};
