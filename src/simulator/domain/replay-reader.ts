import { DomainError } from '../../common/domain-error';
import type { OrderbookMessage, PriceSize } from './market-model.messages';

/**
 * Reads a recording of Bybit public WebSocket messages: JSON lines, one message per line exactly as Bybit sent it
 * (the format of Bybit's historical order-book downloads). Each line is validated; orderbook lines are fully
 * checked (topic, type, data.s/b/a/u/seq), other public topics only for their envelope. The raw line is kept so
 * the transport can re-send it untouched. Pure: the caller reads the file.
 */

export type ReplayErrorCode = 'BAD_JSON' | 'BAD_MESSAGE' | 'OFF_GRID_VALUE';

export class ReplayError extends DomainError<ReplayErrorCode> {
  constructor(
    code: ReplayErrorCode,
    readonly line: number,
    reason: string,
  ) {
    super(code, 'INVALID', `replay line ${line}: ${reason}`, { line });
  }
}

/** A recorded message of a topic the replay does not interpret (publicTrade, kline, tickers…): envelope only. */
export interface RecordedPublicMessage {
  readonly topic: string;
  readonly type?: string;
  readonly ts: number;
  readonly data: unknown;
  readonly [key: string]: unknown;
}

export type ReplayRecord =
  | {
      readonly kind: 'orderbook';
      /** 1-based line number in the recording. */
      readonly line: number;
      readonly raw: string;
      readonly ts: number;
      readonly topic: string;
      readonly depth: number;
      readonly symbol: string;
      readonly message: OrderbookMessage;
    }
  | {
      readonly kind: 'other';
      readonly line: number;
      readonly raw: string;
      readonly ts: number;
      readonly topic: string;
      readonly message: RecordedPublicMessage;
    };

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Parses one line (without its line break). */
export function parseReplayLine(text: string, line: number): ReplayRecord {
  const raw = text.endsWith('\r') ? text.slice(0, -1) : text;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ReplayError('BAD_JSON', line, error instanceof Error ? error.message : 'not JSON');
  }
  const bad = (reason: string): ReplayError => new ReplayError('BAD_MESSAGE', line, reason);
  if (!isObject(value)) throw bad('not a JSON object');
  const { topic, ts } = value;
  if (typeof topic !== 'string' || topic.length === 0) throw bad('missing topic');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw bad('ts must be an integer number of ms');
  if (!('data' in value)) throw bad('missing data');
  if (!topic.startsWith('orderbook.')) {
    if (value.type !== undefined && typeof value.type !== 'string') throw bad('type must be a string');
    return { kind: 'other', line, raw, ts, topic, message: value as RecordedPublicMessage };
  }

  const parts = topic.split('.');
  const depth = Number(parts[1]);
  if (parts.length !== 3 || !Number.isInteger(depth) || depth <= 0 || !parts[2])
    throw bad(`malformed orderbook topic ${topic}`);
  const symbol = parts[2];
  const type = value.type;
  if (type !== 'snapshot' && type !== 'delta') throw bad('type must be snapshot or delta');
  const data = value.data;
  if (!isObject(data)) throw bad('data must be an object');
  if (data.s !== symbol) throw bad(`data.s ${JSON.stringify(data.s)} does not match topic ${topic}`);
  const { u, seq, cts } = { u: data.u, seq: data.seq, cts: value.cts };
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 1) throw bad('data.u must be a positive integer');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) throw bad('data.seq must be an integer');
  if (cts !== undefined && (typeof cts !== 'number' || !Number.isSafeInteger(cts))) throw bad('cts must be an integer');
  const b = levels(data.b, 'data.b', bad);
  const a = levels(data.a, 'data.a', bad);
  const message: OrderbookMessage = { topic, type, ts, data: { s: symbol, b, a, u, seq }, cts: cts ?? ts };
  return { kind: 'orderbook', line, raw, ts, topic, depth, symbol, message };
}

/** Parses a whole recording; blank lines (and a trailing newline, CRLF or LF) are skipped. */
export function parseReplayText(text: string): ReplayRecord[] {
  return [...iterateReplayLines(text.split('\n'))];
}

/** Lazily parses lines (e.g. from a streaming line reader), numbering them from 1. */
export function* iterateReplayLines(lines: Iterable<string>): Generator<ReplayRecord> {
  let line = 0;
  for (const text of lines) {
    line++;
    const body = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim().length === 0) continue;
    yield parseReplayLine(body, line);
  }
}

function levels(value: unknown, field: string, bad: (reason: string) => ReplayError): PriceSize[] {
  if (!Array.isArray(value)) throw bad(`${field} must be an array`);
  for (const level of value) {
    if (!Array.isArray(level) || level.length !== 2 || typeof level[0] !== 'string' || typeof level[1] !== 'string') {
      throw bad(`${field} entries must be [price, size] string pairs`);
    }
    if (!DECIMAL.test(level[0]) || !DECIMAL.test(level[1]))
      throw bad(`${field} has a non-decimal value ${JSON.stringify(level)}`);
  }
  return value as PriceSize[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
