import type { HotlistEvent, HotlistScannedData, HotlistSymbolApprovedData } from './events.js';
import type { HotlistConfig, LabelCode, ScanResult } from './scan.js';
import type { MarketSentiment } from './sentiment.js';

/**
 * The hotlist aggregate (stream `hotlist`): scans come in from the scheduler, and symbols go onto the
 * whitelist only by a person's hand. Three rules make the risk labels count:
 * - only an actor `user:<approver>` can approve, decline or remove, never the system;
 * - an approval names the latest scan, so nobody approves on a ranking the market has moved past;
 * - the approver acknowledges every danger label of the candidate, by code.
 */

export class HotlistError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'HotlistError';
  }
}

const refuse = (rule: string, detail: string): never => {
  throw new HotlistError(rule, detail);
};

export interface WhitelistEntry {
  readonly symbol: string;
  readonly approver: string;
  readonly scanId: string;
}

export interface HotlistState {
  readonly latest: HotlistScannedData | null;
  readonly whitelist: ReadonlyMap<string, WhitelistEntry>;
  /** Symbols declined on the latest scan (a new scan clears it: the market changed). */
  readonly declined: ReadonlySet<string>;
}

export const initialHotlistState: HotlistState = { latest: null, whitelist: new Map(), declined: new Set() };

/** Who sends a command: the metadata actor, `user:<id>` for a person, `system:<part>` otherwise. */
interface ByPerson {
  readonly actor: string;
  readonly approver: string;
}

export type HotlistCommand =
  | {
      readonly kind: 'RecordScan';
      readonly scanId: string;
      readonly source: string;
      readonly config: HotlistConfig;
      readonly result: ScanResult;
    }
  | (ByPerson & {
      readonly kind: 'ApproveSymbol';
      readonly symbol: string;
      readonly scanId: string;
      readonly acknowledged: readonly string[];
      readonly note: string;
    })
  | (ByPerson & {
      readonly kind: 'DeclineSymbol';
      readonly symbol: string;
      readonly scanId: string;
      readonly reason: string;
    })
  | (ByPerson & { readonly kind: 'RemoveSymbol'; readonly symbol: string; readonly reason: string });

const person = (c: ByPerson): void => {
  if (!c.approver || c.actor !== `user:${c.approver}`) {
    refuse(
      'person-only',
      `only a person can change the whitelist: the actor is ${JSON.stringify(c.actor)}, not user:${c.approver}`,
    );
  }
};

const candidateOf = (state: HotlistState, scanId: string, symbol: string) => {
  const latest = state.latest;
  if (latest === null) return refuse('no-scan', 'no hotlist scan has been recorded yet');
  if (latest.scanId !== scanId) {
    return refuse(
      'stale-scan',
      `scan ${scanId} is not the latest (${latest.scanId} at ${new Date(latest.at).toISOString()}): review the latest ranking and its labels`,
    );
  }
  const c = latest.candidates.find((x) => x.symbol === symbol);
  if (!c) return refuse('not-a-candidate', `${symbol} is not a candidate of scan ${scanId}`);
  return c;
};

const copySentiment = (s: MarketSentiment | null): HotlistScannedData['sentiment'] =>
  s === null
    ? null
    : {
        ...s,
        components: s.components.map((c) => ({ ...c })),
        weights: s.weights.map((w) => ({ ...w })),
      };

export const decideHotlist = (command: HotlistCommand, state: HotlistState): HotlistEvent[] => {
  switch (command.kind) {
    case 'RecordScan': {
      if (state.latest !== null && command.result.at < state.latest.at) {
        return refuse(
          'scan-out-of-order',
          `scan at ${new Date(command.result.at).toISOString()} is older than the latest (${new Date(state.latest.at).toISOString()})`,
        );
      }
      const data: HotlistScannedData = {
        scanId: command.scanId,
        at: command.result.at,
        source: command.source,
        config: { ...command.config, weights: { ...command.config.weights } },
        candidates: command.result.candidates.map((c) => ({
          ...c,
          dimensions: c.dimensions.map((d) => ({ ...d })),
          labels: c.labels.map((l) => ({ ...l })),
        })),
        skipped: command.result.skipped.map((s) => ({ ...s })),
        // A result from before the sentiment existed records none, rather than a made-up null.
        ...(command.result.sentiment === undefined
          ? {}
          : { sentiment: copySentiment(command.result.sentiment) }),
      };
      return [{ type: 'HotlistScanned', data }];
    }
    case 'ApproveSymbol': {
      person(command);
      if (state.whitelist.has(command.symbol)) {
        return refuse('already-whitelisted', `${command.symbol} is on the whitelist already`);
      }
      const c = candidateOf(state, command.scanId, command.symbol);
      const known = new Set<string>(c.labels.map((l) => l.code));
      const unknown = command.acknowledged.filter((a) => !known.has(a));
      if (unknown.length > 0) {
        return refuse(
          'unknown-label',
          `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a label of ${command.symbol} in scan ${command.scanId}`,
        );
      }
      const acked = new Set(command.acknowledged);
      const missing = c.labels.filter((l) => l.severity === 'danger' && !acked.has(l.code));
      if (missing.length > 0) {
        return refuse(
          'unacknowledged-risk',
          `acknowledge every danger label of ${command.symbol} first: ${missing.map((l) => `${l.code} (${l.detail})`).join('; ')}`,
        );
      }
      const data: HotlistSymbolApprovedData = {
        symbol: command.symbol,
        scanId: command.scanId,
        approver: command.approver,
        score: c.score,
        rank: c.rank,
        labels: c.labels.map((l) => ({ ...l })),
        // In the candidate's label order, each once.
        acknowledged: c.labels.map((l) => l.code).filter((code) => acked.has(code)) as LabelCode[],
        note: command.note,
        // What else the page showed the approver: a compliance reviewer replays the figures too.
        ...(c.priceRange
          ? {
              priceRange: {
                ...c.priceRange,
                expected1: { ...c.priceRange.expected1 },
                expected2: { ...c.priceRange.expected2 },
              },
            }
          : {}),
        ...(c.safeLeverage ? { safeLeverage: { ...c.safeLeverage } } : {}),
        ...(state.latest?.sentiment === undefined
          ? {}
          : { sentiment: copySentiment(state.latest.sentiment) }),
      };
      return [{ type: 'HotlistSymbolApproved', data }];
    }
    case 'DeclineSymbol': {
      person(command);
      candidateOf(state, command.scanId, command.symbol);
      if (state.declined.has(command.symbol)) {
        return refuse('already-declined', `${command.symbol} was declined on scan ${command.scanId} already`);
      }
      return [
        {
          type: 'HotlistSymbolDeclined',
          data: {
            symbol: command.symbol,
            scanId: command.scanId,
            approver: command.approver,
            reason: command.reason,
          },
        },
      ];
    }
    case 'RemoveSymbol': {
      person(command);
      if (!state.whitelist.has(command.symbol)) {
        return refuse('not-whitelisted', `${command.symbol} is not on the whitelist`);
      }
      return [
        {
          type: 'WhitelistSymbolRemoved',
          data: { symbol: command.symbol, approver: command.approver, reason: command.reason },
        },
      ];
    }
  }
};

export const evolveHotlist = (state: HotlistState, event: HotlistEvent): HotlistState => {
  switch (event.type) {
    case 'HotlistScanned':
      return { ...state, latest: event.data, declined: new Set() };
    case 'HotlistSymbolApproved': {
      const { symbol, approver, scanId } = event.data;
      return { ...state, whitelist: new Map(state.whitelist).set(symbol, { symbol, approver, scanId }) };
    }
    case 'HotlistSymbolDeclined':
      return { ...state, declined: new Set(state.declined).add(event.data.symbol) };
    case 'WhitelistSymbolRemoved': {
      const whitelist = new Map(state.whitelist);
      whitelist.delete(event.data.symbol);
      return { ...state, whitelist };
    }
  }
};
