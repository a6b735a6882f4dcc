import { instrumentFor } from '../../simulator/domain/instrument-universe';
import { MarketModel } from '../../simulator/domain/market-model';
import {
  isOrderbookDepth,
  orderbookTopic,
  type OrderbookDepth,
  type PublicMessage,
} from '../../simulator/domain/market-model.messages';
import { RecordingError } from './recording';

/**
 * The simulator's seeded market model (book + trades) written as a recording: the same Bybit public-WS JSON lines
 * `npm run record` captures and the backtest reads. Time is virtual (the model is advanced window by window, no
 * waiting), so N minutes of market take seconds; the bytes depend only on the options (same seed → same file).
 */

export interface SimRecordingOptions {
  readonly seed: string | number;
  readonly symbols: readonly string[];
  readonly minutes: number;
  /** Orderbook depth topic to record (Bybit's linear depths: 1, 50, 200, 500, 1000). */
  readonly depth: number;
  /** Virtual start time (epoch ms); a constant by default so the file does not depend on when it was made. */
  readonly startMs: number;
}

export const DEFAULT_SIM_RECORDING_START_MS = Date.UTC(2025, 0, 1);

/** Merge window: messages of all symbols within one window are ordered by ts (stable: symbol order on ties). */
const WINDOW_MS = 1000;

export function validateSimRecordingOptions(options: SimRecordingOptions): OrderbookDepth {
  if (!(options.minutes > 0) || !Number.isFinite(options.minutes)) {
    throw new RecordingError('BAD_FILTER', `--minutes must be a positive number, got ${options.minutes}`);
  }
  if (options.symbols.length === 0) throw new RecordingError('BAD_FILTER', '--symbols must name at least one symbol');
  if (!isOrderbookDepth(options.depth)) {
    throw new RecordingError('BAD_FILTER', `--depth must be one of 1, 50, 200, 500, 1000, got ${options.depth}`);
  }
  if (!Number.isSafeInteger(options.startMs)) throw new RecordingError('BAD_FILTER', '--start must be epoch ms');
  return options.depth;
}

/** The recording, one JSON line (without newline) at a time, in ts order. */
export function* simRecordingLines(options: SimRecordingOptions): Generator<string> {
  const depth = validateSimRecordingOptions(options);
  const models = options.symbols.map((symbol) => {
    const model = new MarketModel({ seed: options.seed, instrument: instrumentFor(symbol), startMs: options.startMs });
    model.open(orderbookTopic(depth, symbol));
    model.open(`publicTrade.${symbol}`);
    return model;
  });
  const endMs = options.startMs + Math.round(options.minutes * 60_000);
  const window: PublicMessage[] = [];
  const sink = (message: PublicMessage) => window.push(message);
  for (let to = options.startMs; to < endMs;) {
    to = Math.min(endMs, to + WINDOW_MS);
    for (const model of models) model.advance(to, sink);
    if (models.length > 1) window.sort((a, b) => a.ts - b.ts);
    for (const message of window) yield JSON.stringify(message);
    window.length = 0;
  }
}
