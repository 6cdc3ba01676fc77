import { it } from 'vitest';
import { fixed } from '../ledger/fixed.js';
import { checkOrder } from './pre-trade.js';
import { baseSnapshot, config, intent } from './test-snapshot.js';

it('bench', () => {
  const snap = baseSnapshot({
    positions: [{ symbol: 'ETHUSDT', strategyId: 'x', qty: fixed('10'), cost: fixed('30000') }],
  });
  const cfg = config();
  const cfgR = config({ maxPositionNotional: 30000 });
  for (const [name, c, q] of [
    ['approve', cfg, '0.1'],
    ['resize', cfgR, '1'],
  ] as const) {
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) checkOrder(intent({ quantity: fixed(q) }), snap, c);
    console.log(name, (((performance.now() - t0) / n) * 1000).toFixed(1), 'µs/order');
  }
});
