import type { LifecycleActionResult } from '@/api/lifecycle-types';

/** The person acting, as the page holds it: one user id for every action of the page. */
export interface Acting {
  approver: string;
  setApprover: (v: string) => void;
  /** Stores the id for the next visit; called when an action is sent. */
  remember: () => void;
  /** Why this id cannot act, from the server's last refusal; null when nothing says so. */
  refused: string | null;
  /** Tells the page the server refused the id (a 403), so its actions say so. */
  onError: (error: unknown) => void;
}

export type Done = (r: LifecycleActionResult, approver: string) => void;
