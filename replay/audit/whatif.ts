import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { foldRun, type Kpis } from '../engine/results.js';
import { type DecisionChain, explainChain } from './explain.js';
import { type Change, readRecordedRun, replayRecorded } from './rerun.js';

export interface OrderDecision {
  /** The observation (or stop trigger) the order came from, its symbol and side: what "the same decision" means. */
  readonly key: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: string;
  readonly type: string;
  readonly quantity: string;
  readonly correlationId: string;
  readonly occurredAt: string;
  /** Everything the order asked the venue for (its OrderRequested less its own ids): what "changed" compares. */
  readonly terms: Readonly<Record<string, unknown>>;
}

/** One term of an order that differs between the two runs, e.g. a take-profit's price. */
export interface TermChange {
  readonly term: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface OrderChange {
  readonly before: OrderDecision;
  readonly after: OrderDecision;
  readonly terms: TermChange[];
}

export interface DecisionDiff {
  readonly added: OrderDecision[];
  readonly removed: OrderDecision[];
  readonly changed: OrderChange[];
  readonly unchanged: number;
}

export interface WhatIfReport {
  readonly runId: string;
  readonly change: Change;
  readonly diff: DecisionDiff;
  readonly kpis: {
    readonly baseline: Kpis;
    readonly variant: Kpis;
    readonly delta: Partial<Record<keyof Kpis, number>>;
  };
  /** Chains of the first few changed decisions, from the variant's log. */
  readonly chains: DecisionChain[];
}

/** An order's own ids: they name it, and differ between the runs once anything does, so they are no term. */
const ORDER_IDS: ReadonlySet<string> = new Set(['orderId', 'clientOrderId']);

const termsOf = (d: Record<string, unknown>): Record<string, unknown> => {
  const terms: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (!ORDER_IDS.has(k)) terms[k] = v;
  return terms;
};

/** The terms in which two orders differ, in the order the first one lists them. */
const termChanges = (before: OrderDecision, after: OrderDecision): TermChange[] => {
  const out: TermChange[] = [];
  // A term one of them lacks (an optional field like workingType) differs too: as absent on that side.
  for (const term of new Set([...Object.keys(before.terms), ...Object.keys(after.terms)])) {
    const [x, y] = [before.terms[term], after.terms[term]];
    if (x !== y) out.push({ term, before: x, after: y });
  }
  return out;
};

const shown = (v: unknown): string => (v === undefined || v === null ? 'none' : String(v));

/** What changed in an order, for reading: `price 61761.4 → 61835.5, quantity 0.01 → 0.02`. */
export const describeChange = (c: OrderChange): string =>
  c.terms.map((t) => `${t.term} ${shown(t.before)} → ${shown(t.after)}`).join(', ');

const decisions = (events: readonly StoredEvent[]): Map<string, OrderDecision> => {
  const out = new Map<string, OrderDecision>();
  for (const e of events) {
    if (e.type !== 'OrderRequested') continue;
    const d = e.data as Record<string, string>;
    let key = `${e.metadata.correlationId}|${d.symbol}|${d.side}|${d.type}`;
    for (let n = 2; out.has(key); n++) key = `${key}#${n}`;
    out.set(key, {
      key,
      orderId: d.orderId!,
      symbol: d.symbol!,
      side: d.side!,
      type: d.type!,
      quantity: d.quantity!,
      correlationId: e.metadata.correlationId,
      occurredAt: e.metadata.occurredAt,
      terms: termsOf(d),
    });
  }
  return out;
};

export const diffDecisions = (
  baseline: readonly StoredEvent[],
  variant: readonly StoredEvent[],
): DecisionDiff => {
  const a = decisions(baseline);
  const b = decisions(variant);
  const added: OrderDecision[] = [];
  const removed: OrderDecision[] = [];
  const changed: OrderChange[] = [];
  let unchanged = 0;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y) {
      removed.push(x);
      continue;
    }
    // Any term, not only the size: a re-priced take-profit or stop is a different order to the venue.
    const terms = termChanges(x, y);
    if (terms.length > 0) changed.push({ before: x, after: y, terms });
    else unchanged++;
  }
  for (const [k, y] of b) if (!a.has(k)) added.push(y);
  return { added, removed, changed, unchanged };
};

/**
 * A counterfactual: the recorded run re-executed twice from its inputs, once as recorded and once with
 * one change, both in memory under the same run id (so every decision before the change's first effect
 * has the same id in both). The report lists orders added, removed and changed (in any of their terms),
 * their chains, and how the KPIs moved.
 */
export const whatIf = async (store: EventStore, runId: string, change: Change): Promise<WhatIfReport> => {
  const recorded = await readRecordedRun(store, runId);
  const baseline = await replayRecorded(store, recorded.inputs);
  const variant = await replayRecorded(store, recorded.inputs, change);
  const diff = diffDecisions(baseline.store.raw(), variant.store.raw());
  const kb = foldRun(baseline.store.raw()).kpis();
  const kv = foldRun(variant.store.raw()).kpis();
  const delta: Partial<Record<keyof Kpis, number>> = {};
  for (const k of Object.keys(kb) as (keyof Kpis)[]) {
    const d = kv[k] - kb[k];
    if (Number.isFinite(d) && d !== 0) delta[k] = d;
  }
  const chains: DecisionChain[] = [];
  for (const o of [...diff.changed.map((c) => c.after), ...diff.added].slice(0, 3)) {
    chains.push(await explainChain(variant.store, o.orderId));
  }
  for (const o of diff.removed.slice(0, Math.max(0, 3 - chains.length)))
    chains.push(await explainChain(baseline.store, o.orderId));
  return { runId, change, diff, kpis: { baseline: kb, variant: kv, delta }, chains };
};
