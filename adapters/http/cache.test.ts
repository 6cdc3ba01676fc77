import { describe, expect, it } from 'vitest';
import { ResponseCache } from './cache.js';

describe('ResponseCache', () => {
  it('reuses a response until the read models move, and shares one computation between concurrent requests', async () => {
    let version: number | null = 1;
    let computed = 0;
    const cache = new ResponseCache(() => version);
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 5));
      return { status: 200, body: Buffer.from(`v${version}`) };
    };
    const [a, b] = await Promise.all([cache.get('/x', 'log', compute), cache.get('/x', 'log', compute)]);
    expect([String(a.body), String(b.body), computed]).toEqual(['v1', 'v1', 1]);
    expect((await cache.get('/x', 'log', compute)).body.toString()).toBe('v1');
    expect((await cache.get('/y', 'log', compute)).body.toString()).toBe('v1');
    expect(computed).toBe(2);
    version = 2;
    expect((await cache.get('/x', 'log', compute)).body.toString()).toBe('v2');
    version = null;
    await cache.get('/x', 'log', compute);
    await cache.get('/x', 'log', compute);
    expect(computed).toBe(5);
  });

  it('time-to-live routes expire; failures are not kept; size is bounded', async () => {
    let now = 0;
    const cache = new ResponseCache(
      () => 1,
      2,
      () => now,
    );
    let n = 0;
    const compute = async () => ({ status: 200, body: Buffer.from(String(++n)) });
    expect((await cache.get('/s', { ttlMs: 250 }, compute)).body.toString()).toBe('1');
    now = 100;
    expect((await cache.get('/s', { ttlMs: 250 }, compute)).body.toString()).toBe('1');
    now = 300;
    expect((await cache.get('/s', { ttlMs: 250 }, compute)).body.toString()).toBe('2');
    const failing = () => Promise.reject(new Error('boom'));
    await expect(cache.get('/f', 'log', failing)).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.get('/f', 'log', compute)).body.toString()).toBe('3');
    await cache.get('/a', 'log', compute);
    await cache.get('/b', 'log', compute);
    expect((await cache.get('/f', 'log', compute)).body.toString()).toBe('6');
  });
});
