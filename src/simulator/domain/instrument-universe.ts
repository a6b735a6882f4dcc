import { hashString32 } from './prng';

/**
 * What the market model needs to know about a symbol: the instrument filters (Get Instruments Info
 * priceFilter.tickSize, lotSizeFilter.qtyStep) and the price it starts at. Decimal strings, as Bybit writes them.
 */
export interface InstrumentSpec {
  readonly symbol: string;
  readonly tickSize: string;
  readonly qtyStep: string;
  readonly startPrice: string;
}

/** A few real linear perpetuals with their real filters (late-2024 prices). */
export const DEFAULT_INSTRUMENTS: readonly InstrumentSpec[] = [
  { symbol: 'BTCUSDT', tickSize: '0.10', qtyStep: '0.001', startPrice: '96000.00' },
  { symbol: 'ETHUSDT', tickSize: '0.01', qtyStep: '0.01', startPrice: '3600.00' },
  { symbol: 'SOLUSDT', tickSize: '0.010', qtyStep: '0.1', startPrice: '235.000' },
  { symbol: 'XRPUSDT', tickSize: '0.0001', qtyStep: '1', startPrice: '1.9530' },
  { symbol: 'DOGEUSDT', tickSize: '0.00001', qtyStep: '1', startPrice: '0.41000' },
  { symbol: 'BNBUSDT', tickSize: '0.10', qtyStep: '0.01', startPrice: '650.00' },
  { symbol: 'ADAUSDT', tickSize: '0.0001', qtyStep: '1', startPrice: '1.0500' },
  { symbol: 'LINKUSDT', tickSize: '0.001', qtyStep: '0.1', startPrice: '23.000' },
];

/**
 * The spec for any symbol: a default instrument when known, otherwise a plausible synthetic one derived from the
 * name alone (so `TRADING_PAIRS` may list anything ending in USDT and 100-symbol load tests need no table).
 */
export function instrumentFor(symbol: string): InstrumentSpec {
  const known = DEFAULT_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (known) return known;
  const h = hashString32(symbol);
  const decimals = 1 + (h % 5); // tick 0.1 … 0.00001
  const tickSize = `0.${'0'.repeat(decimals - 1)}1`;
  // ~2000–20000 ticks of price, so one tick is 0.5–5 bp like most real perpetuals
  const priceTicks = 2000 + ((h >>> 8) % 18000);
  const startPrice = formatTicks(priceTicks, decimals);
  const qtyStep = decimals >= 4 ? '1' : decimals === 3 ? '0.1' : '0.01';
  return { symbol, tickSize, qtyStep, startPrice };
}

function formatTicks(ticks: number, decimals: number): string {
  const digits = String(ticks).padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
