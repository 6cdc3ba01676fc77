import { afterEach, describe, expect, it } from 'vitest';
import { type ApiRestrictions, judgeApiKey } from './api-key.js';
import { FakeBinance } from './testing/fake-binance.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

const tradingKey: ApiRestrictions = {
  ipRestrict: true,
  enableReading: true,
  enableWithdrawals: false,
  enableFutures: true,
  enableInternalTransfer: false,
  permitsUniversalTransfer: false,
};

describe('judgeApiKey (least privilege, design §15)', () => {
  it('lets a key that reads and trades futures from one IP trade, and says nothing', () => {
    expect(judgeApiKey(tradingKey)).toEqual({ refuse: null, warnings: [] });
  });

  it('refuses a key that can withdraw unless the desk accepts it, and one that cannot trade futures or read', () => {
    const withdraws = { ...tradingKey, enableWithdrawals: true };
    expect(judgeApiKey(withdraws).refuse).toMatch(
      /^the API key can withdraw: a key that leaks would empty the account/,
    );
    expect(judgeApiKey(withdraws, true)).toEqual({
      refuse: null,
      warnings: ['the API key can withdraw, and LIVE_KEY_WITHDRAWALS=allow lets it trade anyway'],
    });
    expect(judgeApiKey({ ...tradingKey, enableFutures: false }).refuse).toBe(
      'the API key cannot trade futures: enable futures on it',
    );
    expect(judgeApiKey({ ...withdraws, enableReading: false }, true).refuse).toBe(
      'the API key cannot read the account: enable reading on it',
    );
  });

  it('warns of a key usable from any IP or able to move money between wallets', () => {
    expect(
      judgeApiKey({ ...tradingKey, ipRestrict: false, permitsUniversalTransfer: true }).warnings,
    ).toEqual([
      'the API key works from any IP: restrict it to this machine’s address on Binance',
      'the API key can move money between wallets: trading does not need it',
    ]);
  });
});

describe('BinanceUsdmSession.keyRestrictions (fake server)', () => {
  let h: Harness | null = null;
  let fake: FakeBinance | null = null;
  afterEach(async () => {
    await h?.close();
    await fake?.close();
    h = null;
    fake = null;
  });

  it('reads what the key may do from the account API, signed', async () => {
    fake = await FakeBinance.start({ apiKeyRestrictions: { enableWithdrawals: true, ipRestrict: false } });
    h = await openHarness({ fake });
    const r = await h.session.keyRestrictions();
    expect(r).toMatchObject({
      enableWithdrawals: true,
      ipRestrict: false,
      enableFutures: true,
      enableReading: true,
    });
    expect(judgeApiKey(r).refuse).toMatch(/can withdraw/);
    const asked = fake.requests.find((q) => q.path === '/sapi/v1/account/apiRestrictions');
    expect(asked?.status).toBe(200);
    expect(asked?.params.signature).toMatch(/^[0-9a-f]{64}$/);
  });
});
