import type { Fixed } from '../ledger/fixed.js';
import { isRuleName, type ResolvedLimits, type RiskConfig, type RuleName, resolveLimits } from './limits.js';
import { type Evaluation, gridStep, type RuleContext, ruleByName, ruleContext, rules } from './rules.js';
import type { OrderIntent, RiskSnapshot } from './snapshot.js';

export type RiskOutcome = 'approve' | 'resize' | 'reject';
export type Verdict = 'pass' | 'resized' | 'fail' | 'disabled' | 'not-applicable';

/** One line of the decision: what the rule compared, at the requested and at the approved quantity. */
export interface RuleCheck {
  readonly rule: RuleName;
  readonly kind: 'size' | 'gate';
  /** Where the threshold came from: `default`, `account:<id>`, `symbol:<s>`, `venue`, `breaker`, ... */
  readonly source: string;
  readonly unit: string;
  readonly threshold: number | null;
  /** The measure at the requested quantity. */
  readonly requested: number | null;
  /** The measure at the approved quantity (null when rejected). */
  readonly approved: number | null;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface RiskDecision {
  readonly outcome: RiskOutcome;
  readonly requestedQuantity: Fixed;
  /** 0 when rejected. */
  readonly approvedQuantity: Fixed;
  /** Every rule, in catalogue order, including disabled ones (marked so). */
  readonly checks: readonly RuleCheck[];
  readonly disabledRules: readonly RuleName[];
  readonly limits: ResolvedLimits;
}

export interface CheckOptions {
  /** What-if runs switch rules off by name (`--disable-rule <rule>`); unknown names are refused. */
  readonly disabledRules?: readonly string[];
}

type Evaluations = ReadonlyMap<RuleName, Evaluation>;

/** What a decision needs from the configuration alone: the same for every order of one symbol. */
interface Setup {
  readonly resolved: ResolvedLimits;
  readonly disabled: ReadonlySet<RuleName>;
  readonly active: ReadonlySet<RuleName>;
  readonly disabledRules: readonly RuleName[];
  /** Each rule's threshold provenance, as the decision records it. */
  readonly sources: ReadonlyMap<RuleName, string>;
}

const NONE: readonly string[] = [];

/**
 * A run checks thousands of orders against one configuration; resolving its layers and building the rule
 * sets and their provenance was about a tenth of each check. Kept per configuration object (a change of
 * limits is a new object, which misses) and per account, strategy, symbol and extra switched-off rules.
 * Every decision still carries the resolved limits it was judged by.
 */
const setups = new WeakMap<RiskConfig, Map<string, Setup>>();

const setupFor = (config: RiskConfig, intent: OrderIntent, extra: readonly string[]): Setup => {
  let byKey = setups.get(config);
  if (byKey === undefined) {
    byKey = new Map();
    setups.set(config, byKey);
  }
  const key = `${intent.accountId}\u0000${intent.strategyId}\u0000${intent.symbol}\u0000${extra.join(',')}`;
  const known = byKey.get(key);
  if (known !== undefined) return known;
  for (const r of extra) if (!isRuleName(r)) throw new RangeError(`unknown risk rule "${r}"`);
  const resolved = resolveLimits(config, intent);
  const disabled = new Set<RuleName>([...resolved.limits.disabled, ...(extra as RuleName[])]);
  const sources = new Map<RuleName, string>();
  for (const r of rules) {
    const source =
      r.name === 'breaker'
        ? 'breaker'
        : r.name === 'lot-size'
          ? `venue:${intent.symbol}`
          : r.limit
            ? resolved.source[r.limit]
            : 'venue';
    sources.set(r.name, source);
  }
  const setup: Setup = {
    resolved,
    disabled,
    active: new Set(rules.map((r) => r.name).filter((n) => !disabled.has(n))),
    disabledRules: [...disabled].sort(),
    sources,
  };
  // A what-if tool may walk many symbols and rule sets: the memory must not grow without end.
  if (byKey.size >= 1024) byKey.clear();
  byKey.set(key, setup);
  return setup;
};

const evaluate = (ctx: RuleContext, q: Fixed, active: ReadonlySet<RuleName>): Evaluations => {
  const out = new Map<RuleName, Evaluation>();
  for (const r of rules) {
    if (!active.has(r.name)) continue;
    out.set(r.name, r.evaluate(ctx, q));
  }
  return out;
};

const failing = (ev: Evaluations): RuleName[] => {
  const out: RuleName[] = [];
  for (const [name, e] of ev) if (e.applicable && !e.ok) out.push(name);
  return out;
};

/**
 * The largest quantity on the lot grid, not above the request, at which every size rule passes. Size
 * rules only get easier as the quantity falls, so the pass/fail boundary is found by bisection, and
 * only the rules that failed at the request can fail below it: those alone are probed, each probe
 * stopping at the first failure. The caller re-evaluates the result against every rule.
 */
const largestPassing = (ctx: RuleContext, requested: Fixed, failed: readonly RuleName[]): Fixed => {
  const probes = failed.map((n) => ruleByName.get(n)!.evaluate);
  const passes = (q: Fixed): boolean => {
    for (const evaluate of probes) {
      const e = evaluate(ctx, q);
      if (e.applicable && !e.ok) return false;
    }
    return true;
  };
  const step = gridStep(ctx);
  let lo = 0n;
  let hi = requested / step + 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (passes(mid * step)) lo = mid;
    else hi = mid;
  }
  return lo * step;
};

/**
 * The pre-trade check. Every rule is evaluated on the post-trade state; gate failures reject, size
 * failures resize to the largest passing quantity when allowed, and the resized order is evaluated
 * again in full, so an approved or resized quantity has passed every active rule by construction.
 */
export const checkOrder = (
  intent: OrderIntent,
  snap: RiskSnapshot,
  config: RiskConfig,
  options: CheckOptions = {},
): RiskDecision => {
  const { resolved, disabled, active, disabledRules, sources } = setupFor(
    config,
    intent,
    options.disabledRules ?? NONE,
  );
  const source = (name: RuleName): string => sources.get(name)!;

  const ctx = ruleContext(intent, snap, resolved.limits);
  if (!ctx) {
    const detail = `no instrument or mark price for ${intent.symbol}: the order cannot be valued`;
    return {
      outcome: 'reject',
      requestedQuantity: intent.quantity,
      approvedQuantity: 0n,
      checks: rules.map((r) => ({
        rule: r.name,
        kind: r.kind,
        source: source(r.name),
        unit: r.unit,
        threshold: null,
        requested: null,
        approved: null,
        verdict: disabled.has(r.name) ? 'disabled' : 'fail',
        detail,
      })),
      disabledRules,
      limits: resolved,
    };
  }

  const atRequest = evaluate(ctx, intent.quantity, active);
  const failed = failing(atRequest);
  let outcome: RiskOutcome = 'approve';
  let approvedQuantity = intent.quantity;
  let atApproved: Evaluations | null = atRequest;
  if (failed.length > 0) {
    outcome = 'reject';
    approvedQuantity = 0n;
    atApproved = null;
    const gateFailed = failed.some((n) => ruleByName.get(n)?.kind === 'gate');
    if (!gateFailed && resolved.limits.allowResize && !intent.reduceOnly) {
      const q = largestPassing(ctx, intent.quantity, failed);
      if (q > 0n) {
        const ev = evaluate(ctx, q, active);
        if (failing(ev).length === 0) {
          outcome = 'resize';
          approvedQuantity = q;
          atApproved = ev;
        }
      }
    }
  }

  const checks = rules.map((r): RuleCheck => {
    if (disabled.has(r.name)) {
      return {
        rule: r.name,
        kind: r.kind,
        source: source(r.name),
        unit: r.unit,
        threshold: null,
        requested: null,
        approved: null,
        verdict: 'disabled',
        detail: 'rule disabled',
      };
    }
    const req = atRequest.get(r.name)!;
    const app = atApproved?.get(r.name) ?? null;
    const verdict: Verdict = !req.applicable
      ? 'not-applicable'
      : req.ok
        ? 'pass'
        : outcome === 'resize'
          ? 'resized'
          : 'fail';
    return {
      rule: r.name,
      kind: r.kind,
      source: source(r.name),
      unit: r.unit,
      threshold: finite(app?.threshold ?? req.threshold),
      requested: finite(req.value),
      approved: app ? finite(app.value) : null,
      verdict,
      detail: app?.detail ?? req.detail,
    };
  });
  return {
    outcome,
    requestedQuantity: intent.quantity,
    approvedQuantity,
    checks,
    disabledRules,
    limits: resolved,
  };
};

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
