/**
 * Shapes of the desk's limit routes: `GET /api/risk/limits` and the approver's `POST /api/risk/limits`
 * (docs/risk.md, "Changing the limits"). The limits themselves are the domain's types.
 */
import type { LimitScope, LimitsPatch } from '../../../domain/risk/limit-changes';
import type { RiskLimits } from '../../../domain/risk/limits';

export type { LimitScope, LimitsPatch, RiskLimits };

export interface LimitOverride {
  scope: Exclude<LimitScope, 'defaults'>;
  key: string;
  limits: LimitsPatch;
}

export interface LimitChangeView {
  changeId: string;
  scope: LimitScope;
  key: string | null;
  limits: LimitsPatch;
  /** `user:<id>`. */
  approver: string;
  reason: string;
  occurredAt: string;
}

export interface RiskLimitsView {
  /** The desk-wide limits in force. */
  defaults: RiskLimits;
  overrides: LimitOverride[];
  /** Newest first, the latest 100. */
  changes: LimitChangeView[];
  /** What the defaults are before anyone changed them. */
  builtIn: RiskLimits;
}

/** The approver travels as x-perpetua-user and in the body, as elsewhere. */
export interface SetRiskLimitsBody {
  scope: LimitScope;
  key: string | null;
  limits: LimitsPatch;
  reason: string;
}

export interface SetRiskLimitsResult {
  changeId: string;
  scope: LimitScope;
  key: string | null;
  limits: LimitsPatch;
}
