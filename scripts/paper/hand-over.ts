import { type CloseOutOptions, settleForCarry } from './closeout.js';
import type { RealAccountSession, RealAccountSessionOptions } from './real-session.js';

/**
 * What the run of a parameter version put in force carries on from `from`, the run of this process that
 * traded the version before (the lifecycle manager's hand-over): once the new run is ready, `from` stops
 * (RealAccountSession.handOver) and is settled on `lane`, its own lane of the account, which still
 * follows its orders (a new lane could not adopt them while it does); then the new run takes its
 * positions over. When `from` no longer trades by then, the new run takes nothing over and starts flat.
 */
export const handOverCarry = (
  from: RealAccountSession,
  lane: CloseOutOptions['venue'],
  closeOut: CloseOutOptions,
  reason: string,
): NonNullable<RealAccountSessionOptions['carry']> => ({
  from: { runId: from.runId, accountId: from.runId },
  settle: async () => {
    const left = await from.handOver(reason);
    // It no longer traded (taken off real money, it closes its positions itself): nothing to take over.
    return left === null ? { left: [], held: [] } : settleForCarry(left, { ...closeOut, venue: lane });
  },
});
