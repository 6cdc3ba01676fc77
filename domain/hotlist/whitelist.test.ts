import { describe, expect, it } from 'vitest';
import type { HotlistEvent } from './events.js';
import { HotlistScanned } from './events.js';
import { type Candidate, defaultHotlistConfig, type ScanResult } from './scan.js';
import {
  decideHotlist,
  evolveHotlist,
  type HotlistCommand,
  HotlistError,
  type HotlistState,
  initialHotlistState,
} from './whitelist.js';

const candidate = (symbol: string, rank: number, labels: Candidate['labels']): Candidate => ({
  symbol,
  score: 1 / rank,
  rank,
  dimensions: [{ name: 'turnover-surge', value: 3, score: 0.5, detail: '3×' }],
  labels,
  turnover24h: 5e7,
  return24h: 0.1,
  lastPrice: 1.5,
  lastBarOpen: 1_000,
  bars: 744,
});

const result = (at: number): ScanResult => ({
  at,
  candidates: [
    candidate('SUIUSDT', 1, [
      { code: 'new-listing', severity: 'danger', detail: 'listed 3 days ago' },
      { code: 'extreme-volatility', severity: 'warn', detail: 'p90' },
      { code: 'high-maintenance-margin', severity: 'info', detail: '1 %' },
    ]),
    candidate('BTCUSDT', 2, []),
  ],
  skipped: [{ symbol: 'XYZUSDT', reason: 'no data' }],
});

const scan = (scanId: string, at: number): HotlistCommand => ({
  kind: 'RecordScan',
  scanId,
  source: 'recorded',
  config: defaultHotlistConfig,
  result: result(at),
});

const run = (commands: HotlistCommand[]): { state: HotlistState; events: HotlistEvent[] } => {
  let state = initialHotlistState;
  const events: HotlistEvent[] = [];
  for (const c of commands) {
    for (const e of decideHotlist(c, state)) {
      events.push(e);
      state = evolveHotlist(state, e);
    }
  }
  return { state, events };
};

const alice = { actor: 'user:alice', approver: 'alice' };
const approveSui = (
  acknowledged: string[],
  scanId = 's1',
): Extract<HotlistCommand, { kind: 'ApproveSymbol' }> => ({
  kind: 'ApproveSymbol',
  ...alice,
  symbol: 'SUIUSDT',
  scanId,
  acknowledged,
  note: 'small size first',
});

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof HotlistError) return e.rule;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('hotlist decider', () => {
  it('records a scan whose data the event schema accepts', () => {
    const { events, state } = run([scan('s1', 10)]);
    expect(events).toHaveLength(1);
    expect(HotlistScanned.schema.safeParse(events[0]!.data).success).toBe(true);
    expect(state.latest?.scanId).toBe('s1');
  });

  it('approves with every danger label acknowledged, recording what the approver was shown', () => {
    const { events, state } = run([scan('s1', 10), approveSui(['high-maintenance-margin', 'new-listing'])]);
    expect(events[1]).toEqual({
      type: 'HotlistSymbolApproved',
      data: {
        symbol: 'SUIUSDT',
        scanId: 's1',
        approver: 'alice',
        score: 1,
        rank: 1,
        labels: result(10).candidates[0]!.labels,
        // In the candidate's order, whatever order they were ticked in.
        acknowledged: ['new-listing', 'high-maintenance-margin'],
        note: 'small size first',
      },
    });
    expect([...state.whitelist.keys()]).toEqual(['SUIUSDT']);
  });

  it('refuses: a system actor, an actor that is not the approver, an unacknowledged danger label, an unknown label', () => {
    const { state } = run([scan('s1', 10)]);
    expect(
      refusal(() => decideHotlist({ ...approveSui(['new-listing']), actor: 'system:hotlist' }, state)),
    ).toBe('person-only');
    expect(refusal(() => decideHotlist({ ...approveSui(['new-listing']), actor: 'user:bob' }, state))).toBe(
      'person-only',
    );
    expect(refusal(() => decideHotlist(approveSui(['extreme-volatility']), state))).toBe(
      'unacknowledged-risk',
    );
    expect(refusal(() => decideHotlist(approveSui(['new-listing', 'pump']), state))).toBe('unknown-label');
  });

  it('an approval must name the latest scan and one of its candidates', () => {
    expect(refusal(() => decideHotlist(approveSui(['new-listing']), initialHotlistState))).toBe('no-scan');
    const { state } = run([scan('s1', 10), scan('s2', 20)]);
    expect(refusal(() => decideHotlist(approveSui(['new-listing'], 's1'), state))).toBe('stale-scan');
    expect(
      refusal(() =>
        decideHotlist(
          { kind: 'ApproveSymbol', ...alice, symbol: 'XYZUSDT', scanId: 's2', acknowledged: [], note: '' },
          state,
        ),
      ),
    ).toBe('not-a-candidate');
    // A candidate without labels needs no acknowledgement.
    expect(
      decideHotlist(
        { kind: 'ApproveSymbol', ...alice, symbol: 'BTCUSDT', scanId: 's2', acknowledged: [], note: '' },
        state,
      ),
    ).toHaveLength(1);
  });

  it('a scan older than the latest is refused', () => {
    const { state } = run([scan('s1', 20)]);
    expect(refusal(() => decideHotlist(scan('s0', 10), state))).toBe('scan-out-of-order');
  });

  it('approve twice, decline twice, remove what is not listed: each refused by name', () => {
    const { state } = run([
      scan('s1', 10),
      approveSui(['new-listing']),
      { kind: 'DeclineSymbol', ...alice, symbol: 'BTCUSDT', scanId: 's1', reason: 'too crowded' },
    ]);
    expect(refusal(() => decideHotlist(approveSui(['new-listing']), state))).toBe('already-whitelisted');
    expect(
      refusal(() =>
        decideHotlist(
          { kind: 'DeclineSymbol', ...alice, symbol: 'BTCUSDT', scanId: 's1', reason: 'again' },
          state,
        ),
      ),
    ).toBe('already-declined');
    expect(
      refusal(() => decideHotlist({ kind: 'RemoveSymbol', ...alice, symbol: 'BTCUSDT', reason: 'x' }, state)),
    ).toBe('not-whitelisted');
  });

  it('remove takes a symbol off; a new scan clears the declines; it can be approved again', () => {
    const { state, events } = run([
      scan('s1', 10),
      approveSui(['new-listing']),
      { kind: 'DeclineSymbol', ...alice, symbol: 'BTCUSDT', scanId: 's1', reason: 'crowded' },
      { kind: 'RemoveSymbol', ...alice, symbol: 'SUIUSDT', reason: 'drawdown' },
      scan('s2', 20),
      approveSui(['new-listing'], 's2'),
      { kind: 'DeclineSymbol', ...alice, symbol: 'BTCUSDT', scanId: 's2', reason: 'still crowded' },
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'HotlistScanned',
      'HotlistSymbolApproved',
      'HotlistSymbolDeclined',
      'WhitelistSymbolRemoved',
      'HotlistScanned',
      'HotlistSymbolApproved',
      'HotlistSymbolDeclined',
    ]);
    expect(state.whitelist.get('SUIUSDT')).toEqual({ symbol: 'SUIUSDT', approver: 'alice', scanId: 's2' });
  });

  it('evolve never mutates the state it is given', () => {
    const { state } = run([scan('s1', 10)]);
    const before = { whitelist: [...state.whitelist], declined: [...state.declined] };
    const [e] = decideHotlist(approveSui(['new-listing']), state);
    evolveHotlist(state, e!);
    expect({ whitelist: [...state.whitelist], declined: [...state.declined] }).toEqual(before);
  });
});
