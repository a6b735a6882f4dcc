/**
 * A trading signal as a frozen value (NautilusTrader style: a decision is data, not a side effect). Signals are
 * pure functions of (strategy, symbol, side, book state): the same market state always yields the same `id`, which
 * is the trace id of everything the signal causes and the seed of the Bybit `orderLinkId` (≤ 36 chars,
 * [A-Za-z0-9_-]).
 */

export type SignalSide = 'Buy' | 'Sell';

/** Bybit's orderLinkId limit (https://bybit-exchange.github.io/docs/v5/order/create-order). */
export const SIGNAL_ID_MAX_LENGTH = 36;
/** The characters Bybit accepts in an orderLinkId. */
export const SIGNAL_ID_PATTERN = /^[A-Za-z0-9_-]{1,36}$/;

/** The metrics that caused a signal, at the moment it fired. Prices as numbers; absent values are null (JSONB-safe). */
export interface SignalMetrics {
  readonly imbalance5: number;
  readonly imbalance10: number;
  readonly imbalanceAll: number;
  /** The imbalance the rule compared (one of the three above, per the strategy's depth). */
  readonly imbalance: number;
  readonly bestBid: number | null;
  readonly bestAsk: number | null;
  readonly spread: number | null;
  readonly spreadTicks: number | null;
  readonly mid: number | null;
  readonly microPrice: number | null;
  /** The cluster that supports a Buy (bid) or caps a Sell (ask); null when the strategy did not require one. */
  readonly clusterPrice: number | null;
  readonly clusterNotional: number | null;
  readonly supportPrice: number | null;
  readonly supportNotional: number;
  readonly resistancePrice: number | null;
  readonly resistanceNotional: number;
  readonly largestBidClusterPrice: number | null;
  readonly largestBidClusterNotional: number;
  readonly largestAskClusterPrice: number | null;
  readonly largestAskClusterNotional: number;
}

export interface SignalContext {
  readonly metrics: SignalMetrics;
  /** Feature values by name (a copy: the caller's Float64Array is reused in place). Absent when none were passed. */
  readonly features?: FeatureValues;
  /** The book state the signal was derived from. */
  readonly bookU: number;
  readonly bookSeq: number;
}

export interface Signal {
  /** Deterministic: `signalId(strategy, symbol, side, u, seq)`. Trace id and orderLinkId seed. */
  readonly id: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: SignalSide;
  /** 0..1: how far past its threshold the rule fired. */
  readonly strength: number;
  /** Human-readable, with the numbers. */
  readonly reason: string;
  /** Decimal string on the instrument's tick grid (the strategy documents which price it picks). */
  readonly price: string;
  readonly atMs: number;
  readonly context: SignalContext;
}

export interface SignalIdParts {
  readonly strategy: string;
  readonly symbol: string;
  readonly side: SignalSide;
  /** Bybit book update id (`u`): +1 per delta, back to 1 after a service restart. */
  readonly u: number;
  /** Bybit cross sequence (`seq`): increasing across restarts, so (u, seq) names a book state. */
  readonly seq: number;
}

const SAFE_TOKEN = /^[A-Za-z0-9]+$/;

/**
 * The deterministic id of a signal: a function of the strategy name, symbol, side and the book's (u, seq), so one
 * market state can never yield two ids, and a retry or a replay re-derives the same one.
 *
 * Readable form, used when every part is alphanumeric and it fits in 36 chars:
 *   `<strategy>-<symbol>-<B|S>-<seq base36>-<u base36>`   e.g. `imb-BTCUSDT-B-1h2k3l-9ix` (exactly four dashes)
 * Otherwise a hashed form without dashes: `h<B|S><16 hex of FNV-1a 64 over the canonical key>` (18 chars).
 * The forms cannot collide (four dashes vs none); the readable form is injective (no part contains a dash);
 * the hashed form collides only on a 64-bit hash collision.
 */
export function signalId(parts: SignalIdParts): string {
  const { strategy, symbol, side, u, seq } = parts;
  if (!Number.isSafeInteger(u) || u < 0 || !Number.isSafeInteger(seq) || seq < 0) {
    throw new RangeError(`signalId: u and seq must be non-negative safe integers (u=${u}, seq=${seq})`);
  }
  const s = side === 'Buy' ? 'B' : 'S';
  if (SAFE_TOKEN.test(strategy) && SAFE_TOKEN.test(symbol)) {
    const readable = `${strategy}-${symbol}-${s}-${seq.toString(36)}-${u.toString(36)}`;
    if (readable.length <= SIGNAL_ID_MAX_LENGTH) return readable;
  }
  return `h${s}${fnv1a64Hex(`${strategy}\u0000${symbol}\u0000${side}\u0000${seq}\u0000${u}`)}`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a 64 over the UTF-16 code units, as 16 lowercase hex digits. Only on the (rare) hashed-id path. */
export function fnv1a64Hex(text: string): string {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK64;
  }
  return h.toString(16).padStart(16, '0');
}

/** NaN (absent) → null, so a signal serialises to JSON/JSONB without surprises. */
export function orNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Deep-freezes a signal built by a strategy. */
export function freezeSignal(signal: Signal): Signal {
  Object.freeze(signal.context.metrics);
  if (signal.context.features) Object.freeze(signal.context.features);
  Object.freeze(signal.context);
  return Object.freeze(signal);
}

/**
 * The feature values at a signal, read by name. Kept as the values in order beside the pipeline's shared list of
 * names rather than as an object of ~110 properties: a strategy emits many more signals than the kernel acts on (a
 * backtest sweep thousands a minute), and the object with a boxed number per property was a quarter of what a
 * trade-heavy backtest allocated. Serialises (toJSON) as the `{ name: value }` object it replaces.
 */
export class FeatureValues {
  /** Doubles in one backing store (a plain array of numbers: no per-value box, no ArrayBuffer to track). */
  private readonly values: number[];

  constructor(
    readonly names: readonly string[],
    source: ArrayLike<number>,
  ) {
    const n = Math.min(source.length, names.length);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = source[i];
    this.values = values;
  }

  /** The value of a feature; undefined for a name the signal does not carry. */
  get(name: string): number | undefined {
    const index = this.names.indexOf(name);
    return index >= 0 && index < this.values.length ? this.values[index] : undefined;
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.values.length; i++) out[this.names[i]] = this.values[i];
    return out;
  }

  toJSON(): Record<string, number> {
    return this.toRecord();
  }
}

/** Copies the named features out of the caller's reused buffer; undefined when there are none. */
export function copyFeatures(values?: Float64Array, names?: readonly string[]): FeatureValues | undefined {
  if (!values || !names || names.length === 0) return undefined;
  return new FeatureValues(names, values);
}
