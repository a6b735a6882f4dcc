/*
 * The account-information answers general-purpose clients ask for before they trade (ccxt's loadMarkets and its
 * unified-account check): Get API Key Information (/v5/user/query-api), Get Account Info (/v5/account/info) and
 * Get Coin Info (/v5/asset/coin/query-info), with the fields and types of Bybit's V5 documentation. The simulated
 * account is one UTA 2.0 Pro account in regular margin that may trade contracts and nothing else, and which has no
 * deposit or withdrawal chains (it is paper money).
 */

/** A stable, numeric-looking UID per API key (Bybit UIDs are integers), so the same key always looks the same. */
export function simulatedUserId(apiKey: string): number {
  let hash = 0;
  for (let i = 0; i < apiKey.length; i += 1) hash = (Math.imul(hash, 31) + apiKey.charCodeAt(i)) >>> 0;
  return 100_000_000 + (hash % 900_000_000);
}

/** GET /v5/user/query-api: the key itself; `uta: 1` says unified trading account, `unified: 0` (not the old UMA). */
export function apiKeyInfo(apiKey: string, createdAtMs: number): Record<string, unknown> {
  const userId = simulatedUserId(apiKey);
  return {
    id: String(userId % 100_000_000),
    note: 'simulator',
    apiKey,
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
      Affiliate: [],
      Earn: [],
    },
    ips: ['*'],
    type: 1,
    deadlineDay: -1,
    expiredAt: '',
    createdAt: new Date(createdAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    unified: 0,
    uta: 1,
    userID: userId,
    inviterID: 0,
    vipLevel: 'No VIP',
    mktMakerLevel: '0',
    affiliateID: 0,
    rsaPublicKey: '',
    isMaster: true,
    parentUid: '0',
    kycLevel: 'LEVEL_DEFAULT',
    kycRegion: '',
  };
}

/** GET /v5/account/info: unifiedMarginStatus 6 is "UTA 2.0 Pro" in Bybit's enum. */
export function accountInfo(updatedTimeMs: number): Record<string, unknown> {
  return {
    marginMode: 'REGULAR_MARGIN',
    updatedTime: String(updatedTimeMs),
    unifiedMarginStatus: 6,
    dcpStatus: 'OFF',
    timeWindow: 10,
    smpGroup: 0,
    isMasterTrader: false,
    spotHedgingStatus: 'OFF',
  };
}

/** GET /v5/asset/coin/query-info: every coin the instruments use (base, quote, settle), optionally one of them. */
export function coinInfo(
  instruments: ReadonlyArray<{ baseCoin: string; quoteCoin: string; settleCoin: string }>,
  coin?: string,
): { rows: Array<Record<string, unknown>> } {
  const coins = new Set<string>();
  for (const i of instruments) for (const c of [i.settleCoin, i.quoteCoin, i.baseCoin]) coins.add(c);
  return {
    rows: [...coins]
      .filter((c) => coin === undefined || c === coin)
      .map((c) => ({ name: c, coin: c, remainAmount: '0', chains: [] })),
  };
}
