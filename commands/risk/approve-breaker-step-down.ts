import { uuidv7 } from 'uuidv7';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import {
  type BreakerEvent,
  type BreakerParams,
  type BreakerScope,
  type BreakerState,
  decideBreaker,
  defaultBreakerParams,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import { breakerStreamId } from '../../domain/risk/events.js';

export interface ApproveStepDownCommand {
  readonly scope: BreakerScope;
  readonly scopeId: string;
  /** `user:<id>`: the person who looked and takes responsibility. */
  readonly approver: string;
  readonly to: BreakerLevel;
  readonly reason: string;
  /** Domain time of the approval (the clock is injected: tests and replays pass their own). */
  readonly at: number;
  /**
   * The measurements now (drawdown, loss streak, ...), which must not call for a level above `to`.
   * Omitted: the ladder's last recorded ones, which usually still show why it tripped.
   */
  readonly measured?: BreakerEvent['data']['measured'];
}

export interface BreakerView {
  readonly state: BreakerState;
  readonly version: number;
  /** What the ladder last measured (from its latest transition), the basis of the approval check. */
  readonly measured: BreakerEvent['data']['measured'] | null;
  readonly params: BreakerParams;
}

const isBreakerEvent = (e: RecordedEvent): e is RecordedEvent & BreakerEvent =>
  e.type === 'BreakerLevelChanged' || e.type === 'BreakerStepDownApproved';

/** Folds a ladder's stream: its level, since when, and the thresholds it was last judged by. */
export const loadBreaker = async (
  store: EventStore,
  scope: BreakerScope,
  scopeId: string,
): Promise<BreakerView> => {
  const events = await store.readStream(breakerStreamId(scope, scopeId));
  let state = initialBreakerState(scope, scopeId);
  let measured: BreakerView['measured'] = null;
  let params = defaultBreakerParams;
  for (const e of events) {
    if (!isBreakerEvent(e)) continue;
    state = evolveBreaker(state, e as BreakerEvent);
    measured = e.data.measured;
    if (e.type === 'BreakerLevelChanged') {
      const d = e.data as { thresholds: BreakerParams['thresholds']; cooldownMs: number };
      params = { thresholds: d.thresholds, cooldownMs: d.cooldownMs };
    }
  }
  return { state, version: events.length, measured, params };
};

/**
 * A person steps a breaker down. The decider refuses a system actor, a step that is not down, a
 * cooldown that has not run out, and measurements that still call for the current level; on success
 * the approval and the transition are appended together at the version that was read, so two people
 * approving at once cannot both succeed.
 */
export const approveBreakerStepDown = async (store: EventStore, cmd: ApproveStepDownCommand) => {
  const view = await loadBreaker(store, cmd.scope, cmd.scopeId);
  if (view.measured === null) {
    throw new RangeError(
      `breaker ${cmd.scope}:${cmd.scopeId} has never tripped: there is nothing to step down`,
    );
  }
  const events = decideBreaker(view.state, view.params, {
    kind: 'ApproveStepDown',
    at: cmd.at,
    approver: cmd.approver,
    to: cmd.to,
    reason: cmd.reason,
    measured: cmd.measured ?? view.measured,
  });
  const correlationId = `breaker-approval:${cmd.scope}:${cmd.scopeId}:${cmd.at}`;
  let causationId: string | null = null;
  const batch = events.map((e) => {
    const eventId = uuidv7();
    const out = {
      eventId,
      type: e.type,
      data: e.data,
      metadata: {
        correlationId,
        causationId,
        actor: cmd.approver,
        mode: 'live' as const,
        occurredAt: new Date(cmd.at).toISOString(),
      },
    };
    causationId = eventId;
    return out;
  });
  const result = await store.append(breakerStreamId(cmd.scope, cmd.scopeId), view.version, batch);
  return { result, level: cmd.to };
};
