import type { EventStore } from '../../domain/events/event-store.js';
import { type RiskLimitsSetData, riskLimitsStreamId } from '../../domain/risk/events.js';
import {
  applyLimitChange,
  checkLimitChange,
  type LimitChange,
  LimitChangeError,
} from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits, type RiskConfig } from '../../domain/risk/limits.js';

export interface SetLimitsCommand extends LimitChange {
  /** `user:<id>`: limits are a person's decision. */
  readonly approver: string;
  readonly reason: string;
  /** Domain time of the change (the clock is injected). */
  readonly at: number;
}

/** The limits as the desk set them: every change in order, and the config they add up to. */
export interface DeskLimits {
  readonly changes: readonly (RiskLimitsSetData & { readonly at: number; readonly eventId: string })[];
  readonly config: RiskConfig;
}

export const readDeskLimits = async (store: Pick<EventStore, 'readStream'>): Promise<DeskLimits> => {
  const changes: DeskLimits['changes'][number][] = [];
  let config: RiskConfig = { defaults: defaultRiskLimits };
  for (const e of await store.readStream(riskLimitsStreamId)) {
    if (e.type !== 'RiskLimitsSet') continue;
    const d = e.data as RiskLimitsSetData;
    changes.push({ ...d, at: Date.parse(e.metadata.occurredAt), eventId: e.eventId });
    config = applyLimitChange(config, d);
  }
  return { changes, config };
};

/**
 * Records a person's change of one layer of the limits. Refused (LimitChangeError, nothing written) when
 * the approver is not a person or the key does not fit the scope; the limits' ranges are the event
 * schema's (zod names the field). The change id is the event id: a retry with the same id writes nothing.
 */
export const setRiskLimits = async (
  store: EventStore,
  cmd: SetLimitsCommand,
  eventId: string,
): Promise<RiskLimitsSetData> => {
  if (!/^user:.+/.test(cmd.approver))
    throw new LimitChangeError(`approver "${cmd.approver}" is not a user:<id>`);
  if (!cmd.reason.trim()) throw new LimitChangeError('a limit change needs its reason, for the audit');
  checkLimitChange(cmd);
  const data: RiskLimitsSetData = {
    changeId: eventId,
    scope: cmd.scope,
    key: cmd.key,
    limits: cmd.limits,
    approver: cmd.approver,
    reason: cmd.reason.trim(),
  };
  await store.append(riskLimitsStreamId, 'any', [
    {
      eventId,
      type: 'RiskLimitsSet',
      data,
      metadata: {
        correlationId: `risk-limits:${eventId}`,
        causationId: null,
        actor: cmd.approver,
        mode: 'live',
        occurredAt: new Date(cmd.at).toISOString(),
      },
    },
  ]);
  return data;
};
