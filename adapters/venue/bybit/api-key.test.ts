import { describe, expect, it } from 'vitest';
import { judgeApiKey } from '../api-key.js';
import { bybitKeyRestrictions } from './api-key.js';

/** GET /v5/user/query-api's reply, shaped as the docs' example (https://bybit-exchange.github.io/docs/v5/user/apikey-info). */
const reply = (result: Record<string, unknown>) => ({
  retCode: 0,
  retMsg: '',
  result: {
    id: '13770661',
    note: 'perpetua',
    apiKey: 'XXXXXX',
    readOnly: 0,
    secret: '',
    permissions: {
      ContractTrade: ['Order', 'Position'],
      Spot: [],
      Wallet: [],
      Options: [],
      Derivatives: [],
      CopyTrading: [],
      BlockTrade: [],
      Exchange: [],
      NFT: [],
    },
    ips: ['203.0.113.7'],
    type: 1,
    uta: 1,
    ...result,
  },
  retExtInfo: {},
  time: 1676431978478,
});

const permissions = (p: Record<string, string[]>) => ({
  permissions: { ContractTrade: [], Wallet: [], Derivatives: [], ...p },
});

describe('a Bybit API key judged by least privilege', () => {
  it('lets a key that trades contracts from one IP and cannot withdraw trade, with nothing to say', () => {
    const key = bybitKeyRestrictions(reply({}));
    expect(key).toEqual({
      ipRestrict: true,
      enableReading: true,
      enableWithdrawals: false,
      enableFutures: true,
      enableInternalTransfer: false,
    });
    expect(judgeApiKey(key, false, 'Bybit')).toEqual({ refuse: null, warnings: [] });
  });

  it('refuses a key that can withdraw, or cannot trade contracts, and says what is unwise', () => {
    const withdraws = bybitKeyRestrictions(
      reply(permissions({ ContractTrade: ['Order', 'Position'], Wallet: ['AccountTransfer', 'Withdraw'] })),
    );
    expect(judgeApiKey(withdraws, false, 'Bybit').refuse).toMatch(/^the API key can withdraw/);
    expect(judgeApiKey(withdraws, true, 'Bybit').warnings).toContain(
      'the API key can move money between wallets: trading does not need it',
    );
    const readOnly = bybitKeyRestrictions(reply({ readOnly: 1 }));
    expect(judgeApiKey(readOnly, false, 'Bybit').refuse).toBe(
      'the API key cannot trade futures: enable futures on it',
    );
    const spotOnly = bybitKeyRestrictions(reply(permissions({ Spot: ['SpotTrade'] })));
    expect(spotOnly.enableFutures).toBe(false);
    // A unified account's derivatives permission trades them too.
    expect(
      bybitKeyRestrictions(reply(permissions({ Derivatives: ['DerivativesTrade'] }))).enableFutures,
    ).toBe(true);
  });

  it('reads a key bound to no IP (an empty list, or "*") as usable from anywhere, and says so', () => {
    for (const ips of [[], ['*']]) {
      const key = bybitKeyRestrictions(reply({ ips }));
      expect(key.ipRestrict).toBe(false);
      expect(judgeApiKey(key, false, 'Bybit').warnings).toEqual([
        'the API key works from any IP: restrict it to this machine’s address on Bybit',
      ]);
    }
  });

  it('refuses a reply that is not Bybit’s', () => {
    expect(() =>
      bybitKeyRestrictions({ retCode: 10003, retMsg: 'API key is invalid.', result: {} }),
    ).toThrow();
    expect(() => bybitKeyRestrictions(reply({ readOnly: 'no' }))).toThrow();
  });
});
