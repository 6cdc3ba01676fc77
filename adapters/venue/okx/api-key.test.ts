import { describe, expect, it } from 'vitest';
import { judgeApiKey } from '../api-key.js';
import { okxKeyRestrictions } from './api-key.js';

/**
 * GET /api/v5/account/config's reply, shaped as the docs' example
 * (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration).
 */
const reply = (fields: Record<string, unknown>) => ({
  code: '0',
  data: [
    {
      acctLv: '2',
      acctStpMode: 'cancel_maker',
      autoLoan: false,
      ctIsoMode: 'automatic',
      enableSpotBorrow: false,
      greeksType: 'PA',
      feeType: '0',
      ip: '203.0.113.7',
      type: '0',
      kycLv: '3',
      label: 'v5 test',
      level: 'Lv1',
      levelTmp: '',
      liquidationGear: '-1',
      mainUid: '44705892343619584',
      mgnIsoMode: 'automatic',
      opAuth: '1',
      perm: 'read_only,trade',
      posMode: 'net_mode',
      roleType: '0',
      spotBorrowAutoRepay: false,
      spotOffsetType: '',
      spotRoleType: '0',
      spotTraderInsts: [],
      stgyType: '0',
      traderInsts: [],
      uid: '44705892343619584',
      settleCcy: 'USDC',
      settleCcyList: ['USD', 'USDC', 'USDG'],
      ...fields,
    },
  ],
  msg: '',
});

describe('an OKX API key judged by least privilege', () => {
  it('lets a key that reads and trades from one IP trade, and says that OKX’s Trade also moves money', () => {
    const key = okxKeyRestrictions(reply({}));
    expect(key).toEqual({
      ipRestrict: true,
      enableReading: true,
      enableWithdrawals: false,
      enableFutures: true,
      enableInternalTransfer: true,
    });
    expect(judgeApiKey(key, false, 'OKX')).toEqual({
      refuse: null,
      warnings: ['the API key can move money between wallets: trading does not need it'],
    });
  });

  it('refuses a key that can withdraw (the docs’ example key), or cannot trade', () => {
    const docs = okxKeyRestrictions(reply({ perm: 'read_only,withdraw,trade', ip: '' }));
    expect(docs.enableWithdrawals).toBe(true);
    expect(judgeApiKey(docs, false, 'OKX').refuse).toMatch(/^the API key can withdraw/);
    const readOnly = okxKeyRestrictions(reply({ perm: 'read_only' }));
    expect(readOnly.enableFutures).toBe(false);
    expect(judgeApiKey(readOnly, false, 'OKX').refuse).toBe(
      'the API key cannot trade futures: enable futures on it',
    );
  });

  it('reads a key bound to no IP ("") as usable from anywhere, and says so', () => {
    const key = okxKeyRestrictions(reply({ ip: '' }));
    expect(key.ipRestrict).toBe(false);
    expect(judgeApiKey(key, false, 'OKX').warnings).toContain(
      'the API key works from any IP: restrict it to this machine’s address on OKX',
    );
    expect(okxKeyRestrictions(reply({ ip: '117.37.203.58,117.37.203.57' })).ipRestrict).toBe(true);
  });

  it('refuses a reply that is not OKX’s, or a permission OKX does not document', () => {
    expect(() => okxKeyRestrictions({ code: '50111', msg: 'Invalid OK-ACCESS-KEY.', data: [] })).toThrow();
    expect(() => okxKeyRestrictions(reply({ perm: undefined }))).toThrow();
    expect(() => okxKeyRestrictions(reply({ perm: 'read_only,transfer' }))).toThrow(
      /unknown OKX key permission/,
    );
  });
});
