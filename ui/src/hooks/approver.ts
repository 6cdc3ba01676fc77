import { useState } from 'react';

/** Remembered in the browser only: the server decides who may act, from PERPETUA_APPROVERS. */
export const approverKey = 'perpetua.approver';

/**
 * The approver's user id as typed, prefilled from the last one used. It is stored when an action is
 * sent (`remember`), not per keystroke, so a half-typed id never replaces a good one.
 */
export function useApprover() {
  const [approver, setApprover] = useState(() => localStorage.getItem(approverKey) ?? '');
  const remember = () => localStorage.setItem(approverKey, approver);
  return { approver, setApprover: (v: string) => setApprover(v.trim()), remember };
}
