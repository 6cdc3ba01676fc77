import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from './schemas.js';
import { testApp } from './testing.js';

/** The app as start.ts wires it, serving a stand-in ui/dist: the page, one asset, and the SPA fallback. */
let t: Awaited<ReturnType<typeof testApp>>;
let dist: string;

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'perpetua-ui-'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  t = await testApp([], { uiDir: dist });
});
afterAll(async () => {
  await t?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('the UI beside the API', () => {
  it('serves files, and index.html for client routes', async () => {
    const asset = await t.app.request('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log(1)');
    for (const p of ['/', '/audit', '/optimizer?run=x', '/apiary', '/wsx']) {
      const res = await t.app.request(p);
      expect(res.status, p).toBe(200);
      expect(await res.text(), p).toContain('<div id="root">');
    }
  });

  it('never answers /api, or anything under it, with the page: an unknown API path is a JSON 404', async () => {
    for (const p of ['/api', '/api?x=1', '/api/', '/api/nope', '/api/nope/deeper', '/api/index.html']) {
      const res = await t.app.request(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toContain('application/json');
      expect(s.errorBody.parse(await res.json()).error.code, p).toBe('not_found');
    }
    const health = await t.app.request('/api/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, version: 'test' });
  });
});
