import { afterAll, describe, expect, it } from 'vitest';
import { buildUi, type RunningSystem, startSystem, waitFor } from '../ui/e2e/harness.js';

/**
 * `npm start` on its embedded store: the hotlist scans the recorded market at start, a person approves
 * a candidate through the API, and from the next start the paper runs trade it beside the configured
 * symbols.
 */

interface Hotlist {
  scan: {
    scanId: string;
    at: string;
    candidates: { symbol: string; labels: { code: string; severity: string }[]; status: string }[];
  } | null;
  whitelist: { symbol: string; approver: string }[];
  configured: string[];
  trading: string[];
}

const hotlist = async (url: string): Promise<Hotlist> =>
  (await (await fetch(`${url}/api/hotlist`)).json()) as Hotlist;

let system: RunningSystem | undefined;
afterAll(async () => {
  await system?.stop();
});

describe('npm start: hotlist to whitelist to trading', () => {
  it('scans at start, takes an approval, and trades the symbol after a restart', async () => {
    buildUi();
    const env = { PERPETUA_APPROVERS: 'alice', PAPER_SYMBOLS: 'BTCUSDT,ETHUSDT' };
    system = await startSystem(env);
    const url = system.url;
    const first = await waitFor('the first scan', async () => {
      const h = await hotlist(url);
      return h.scan ? h : null;
    });
    expect(first.configured).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(first.trading).toEqual(['BTCUSDT', 'ETHUSDT']);
    // The runs' clock starts at PAPER_FROM (2023-06-01): SUI was listed on 2023-05-03.
    expect(first.scan!.at).toBe('2023-06-01T00:00:00.000Z');
    const sui = first.scan!.candidates.find((c) => c.symbol === 'SUIUSDT')!;
    expect(sui.labels.map((l) => l.code)).toContain('new-listing');

    const res = await fetch(`${url}/api/hotlist/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perpetua-user': 'alice' },
      body: JSON.stringify({
        symbol: 'SUIUSDT',
        scanId: first.scan!.scanId,
        approver: 'alice',
        acknowledged: sui.labels.filter((l) => l.severity === 'danger').map((l) => l.code),
        note: 'e2e',
      }),
    });
    expect(res.status).toBe(200);
    await waitFor('the whitelist', async () => ((await hotlist(url)).whitelist.length === 1 ? true : null));
    // Still the configured symbols until the next start.
    expect((await hotlist(url)).trading).toEqual(['BTCUSDT', 'ETHUSDT']);

    await system.stop({ keepData: true });
    system = await startSystem(env, undefined, system.dataDir);
    const after = await hotlist(system.url);
    expect(after.trading).toEqual(['BTCUSDT', 'ETHUSDT', 'SUIUSDT']);
    expect(after.whitelist.map((w) => [w.symbol, w.approver])).toEqual([['SUIUSDT', 'alice']]);
    expect(system.output()).toContain('whitelisted by the hotlist and traded: SUIUSDT');
    const status = (await (await fetch(`${system.url}/api/status`)).json()) as {
      paper: { runId: string; symbols: string[] }[];
    };
    expect(status.paper.length).toBeGreaterThan(0);
    for (const run of status.paper) expect(run.symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'SUIUSDT']);
  }, 240_000);
});
