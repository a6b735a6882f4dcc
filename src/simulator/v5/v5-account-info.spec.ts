import { accountInfo, apiKeyInfo, coinInfo, simulatedUserId } from './v5-account-info';

describe('v5 account information', () => {
  const instruments = [
    { baseCoin: 'BTC', quoteCoin: 'USDT', settleCoin: 'USDT' },
    { baseCoin: 'ETH', quoteCoin: 'USDT', settleCoin: 'USDT' },
  ];

  it('should list each coin of the instruments once, settle coin first, and one coin when asked', () => {
    expect(coinInfo(instruments).rows.map((r) => r.coin)).toEqual(['USDT', 'BTC', 'ETH']);
    expect(coinInfo(instruments, 'ETH').rows).toEqual([{ name: 'ETH', coin: 'ETH', remainAmount: '0', chains: [] }]);
    expect(coinInfo(instruments, 'XRP').rows).toEqual([]);
  });

  it('should give the same key the same nine-digit UID and different keys different ones', () => {
    expect(simulatedUserId('key-a')).toBe(simulatedUserId('key-a'));
    expect(simulatedUserId('key-a')).not.toBe(simulatedUserId('key-b'));
    expect(String(simulatedUserId('key-a'))).toMatch(/^\d{9}$/);
  });

  it('should describe a unified, read-write, contract-trading key and a UTA 2.0 Pro account', () => {
    const key = apiKeyInfo('key-a', Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(key).toMatchObject({ apiKey: 'key-a', readOnly: 0, uta: 1, unified: 0, createdAt: '2026-01-02T03:04:05Z' });
    expect(key.userID).toBe(simulatedUserId('key-a'));
    expect(accountInfo(1700000000000)).toMatchObject({ unifiedMarginStatus: 6, updatedTime: '1700000000000' });
  });
});
