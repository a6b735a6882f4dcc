/** Bybit `orderbook.50` messages as recording lines (JSON), for golden backtest recordings. */
export type Levels = Array<[string, string]>;

function bookLine(
  type: 'snapshot' | 'delta',
  symbol: string,
  ts: number,
  u: number,
  bids: Levels,
  asks: Levels,
): string {
  return JSON.stringify({
    topic: `orderbook.50.${symbol}`,
    type,
    ts,
    data: { s: symbol, b: bids, a: asks, u, seq: u },
    cts: ts,
  });
}

export const snapshotLine = (symbol: string, ts: number, u: number, bids: Levels, asks: Levels): string =>
  bookLine('snapshot', symbol, ts, u, bids, asks);

export const deltaLine = (symbol: string, ts: number, u: number, bids: Levels, asks: Levels): string =>
  bookLine('delta', symbol, ts, u, bids, asks);
