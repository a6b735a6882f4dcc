import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { BookGridSpec } from '../order-book/domain/book-grid';
import { CacheDecoder, KIND_BOOK, KIND_SYMBOL, KIND_TRADES } from './domain/recording-cache.codec';
import {
  defaultGridResolver,
  RecordingDecoder,
  RecordingError,
  topicKind,
  type RecordedObject,
  type RecordingFilter,
  type RecordingSink,
} from './domain/recording';
import { fingerprintRecording, listRecordingFiles, readLines, readRecording } from './recording-reader';

/**
 * The backtest's reading side: which symbols a recording holds, its content hash, and replays that pause between
 * messages whenever the consumer has asynchronous work to let settle (the execution kernel's awaits), so the
 * virtual clock never runs ahead of it.
 */

/**
 * Asked before every message with its exchange `ts` (before it is decoded, so the consumer can first run what is
 * due by then); returns a promise when the replay must wait for it. An object, not a callback: a sweep worker runs
 * backtest after backtest, and a method of one class is the same call target in every run where a fresh closure per
 * run would make the replay loop's optimized code deoptimize ("wrong call target") and compile again.
 */
export interface MessagePacer {
  beforeMessage(ts: number): Promise<void> | undefined;
}

export interface ReadProgress {
  bytesDone: number;
  bytesTotal: number;
}

/**
 * Symbols and their grids in a binary cache: walks the record headers once, parsing only the SYMBOL records, and
 * keeps the answer beside the cache (`<cache>.symbols.json`) so a large recording is not read twice per run.
 */
export function cacheSymbols(cachePath: string): Map<string, BookGridSpec> {
  const memo = `${cachePath}.symbols.json`;
  if (existsSync(memo)) {
    const known = JSON.parse(readFileSync(memo, 'utf8')) as Record<string, BookGridSpec>;
    return new Map(Object.entries(known));
  }
  const symbols = scanCacheSymbols(cachePath);
  writeMemo(memo, Object.fromEntries(symbols));
  return symbols;
}

function scanCacheSymbols(cachePath: string): Map<string, BookGridSpec> {
  const symbols = new Map<string, BookGridSpec>();
  walkCacheRecords(cachePath, true, (kind, _ts, buffer, at, length) => {
    if (kind !== KIND_SYMBOL) return;
    const spec = JSON.parse(buffer.toString('utf8', at + 16, at + length)) as {
      symbol: string;
      tickSize: string;
      qtyStep: string;
    };
    symbols.set(spec.symbol, { tickSize: spec.tickSize, qtyStep: spec.qtyStep });
  });
  return symbols;
}

/**
 * The exchange-time span of the replayed messages in a binary cache: [first ts, last ts + 1) over its book and
 * trade records, from their headers alone (a sweep splits this period). Kept beside the cache
 * (`<cache>.span.json`) like its symbols.
 */
export function cacheSpan(cachePath: string): { fromMs: number; toMs: number } | null {
  const memo = `${cachePath}.span.json`;
  if (existsSync(memo)) return JSON.parse(readFileSync(memo, 'utf8')) as { fromMs: number; toMs: number } | null;
  let fromMs = Infinity;
  let toMs = -Infinity;
  walkCacheRecords(cachePath, false, (kind, ts) => {
    if (kind !== KIND_BOOK && kind !== KIND_TRADES) return;
    if (ts < fromMs) fromMs = ts;
    if (ts + 1 > toMs) toMs = ts + 1;
  });
  const span = Number.isFinite(fromMs) ? { fromMs, toMs } : null;
  writeMemo(memo, span);
  return span;
}

/** A memo beside the cache, written under a temporary name and renamed: sweep workers may write the same one at once. */
function writeMemo(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.${threadId}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value)}\n`);
  renameSync(temporary, path);
}

/**
 * Visits every record header of a cache (kind, ts, and where the record lies in `buffer`) without decoding the
 * payloads; `wholeSymbolRecords` makes sure a SYMBOL record's body is in the buffer when it is visited.
 */
function walkCacheRecords(
  cachePath: string,
  wholeSymbolRecords: boolean,
  visit: (kind: number, ts: number, buffer: Buffer, at: number, length: number) => void,
): void {
  const fd = openSync(cachePath, 'r');
  const size = fstatSync(fd).size;
  let buffer = Buffer.allocUnsafe(Math.min(8 << 20, Math.max(1 << 16, size)));
  let base = 8; // file offset of buffer[0]
  let end = 0;
  try {
    let at = 0;
    for (;;) {
      const needsBody = wholeSymbolRecords && end - at >= 16 && buffer[at + 4] === KIND_SYMBOL;
      if (end - at < 16 || (needsBody && end - at < buffer.readUInt32LE(at))) {
        // Refill from the record at `at` (a SYMBOL record may need its whole body; others only their header).
        base += at;
        const want = end - at >= 16 ? buffer.readUInt32LE(at) : 16;
        if (want > buffer.length) buffer = Buffer.allocUnsafe(want);
        end = readSync(fd, buffer, 0, buffer.length, base);
        at = 0;
        if (end < 16) break;
        continue;
      }
      const length = buffer.readUInt32LE(at);
      if (length < 16) throw new RecordingError('BAD_RECORDING_LINE', `corrupt cache record at ${base + at}`);
      visit(buffer[at + 4], buffer.readDoubleLE(at + 8), buffer, at, length);
      at += length;
      if (base + at >= size) break;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Symbols of a JSON recording and their grids, from the first orderbook message of each in the first `scanBytes`
 * of every file (the binary cache knows them exactly; this is the fallback of a replay without it).
 */
export async function jsonSymbols(path: string, scanBytes = 4 << 20): Promise<Map<string, BookGridSpec>> {
  const symbols = new Map<string, BookGridSpec>();
  for (const file of listRecordingFiles(path)) {
    let read = 0;
    for await (const line of readLines(file)) {
      read += line.length + 1;
      if (read > scanBytes) break;
      if (!line.includes('orderbook.')) continue;
      let message: RecordedObject;
      try {
        message = JSON.parse(line) as RecordedObject;
      } catch {
        continue;
      }
      if (topicKind(message.topic) !== 'orderbook') continue;
      const topic = message.topic as string;
      const symbol = topic.slice(topic.lastIndexOf('.') + 1);
      if (!symbols.has(symbol)) symbols.set(symbol, defaultGridResolver(symbol, message));
    }
  }
  return symbols;
}

/**
 * SHA-256 of the recording's bytes (every file, in replay order, each prefixed by its size), the run's data
 * fingerprint. Cached beside the binary cache under the cheap fingerprint (name, size, mtime, head and tail), so a
 * large recording is hashed once.
 */
export async function contentHash(path: string, cacheDir: string | null): Promise<string> {
  const memo = cacheDir ? join(cacheDir, `${fingerprintRecording(path)}.sha256`) : null;
  if (memo && existsSync(memo)) return readFileSync(memo, 'utf8').trim();
  const hash = createHash('sha256');
  for (const file of listRecordingFiles(path)) {
    hash.update(`${statSync(file).size}\0`);
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
    }
  }
  const digest = hash.digest('hex');
  if (memo && cacheDir) {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${memo}.${process.pid}.${threadId}.tmp`;
    writeFileSync(temporary, `${digest}\n`);
    renameSync(temporary, memo);
  }
  return digest;
}

/**
 * Replays a binary cache into `sink` one record at a time, awaiting the pacer when it asks to. Progress counts the
 * cache's bytes.
 */
export async function replayCachePaced(
  cachePath: string,
  sink: RecordingSink,
  filter: RecordingFilter,
  pacer: MessagePacer,
  progress: ReadProgress,
): Promise<void> {
  const decoder = new CacheDecoder(sink, filter);
  const fd = openSync(cachePath, 'r');
  const size = fstatSync(fd).size;
  progress.bytesTotal = size;
  // 1 MiB at a time, grown only for a larger record: a buffer that stays in cache, and no fresh pages to fault in
  // per run as a buffer the size of the file would need.
  let buffer = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1 << 16, size)));
  let view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  let base = 0; // file offset of buffer[0]
  let start = 0; // first unconsumed byte
  let end = 0; // bytes filled
  /** At least `n` unconsumed bytes in the buffer; false at the end of the file. */
  const ensure = (n: number): boolean => {
    while (end - start < n) {
      if (start > 0) {
        buffer.copy(buffer, 0, start, end);
        base += start;
        end -= start;
        start = 0;
      }
      if (end === buffer.length || n > buffer.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, n));
        buffer.copy(bigger, 0, 0, end);
        buffer = bigger;
        view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
      }
      const read = readSync(fd, buffer, end, buffer.length - end, base + end);
      if (read === 0) return false;
      end += read;
    }
    return true;
  };
  try {
    if (!ensure(8)) throw new RecordingError('BAD_RECORDING_LINE', 'not a cache file');
    start += decoder.push(buffer.subarray(start, start + 8));
    while (!decoder.complete && ensure(16)) {
      const length = view.getUint32(start, true);
      if (length < 16 || !ensure(length)) {
        throw new RecordingError('BAD_RECORDING_LINE', `corrupt or truncated cache record at ${base + start}`);
      }
      const wait = pacer.beforeMessage(view.getFloat64(start + 8, true));
      if (wait) await wait;
      // One view on the buffer for every record: no per-record DataView or subarray.
      decoder.decode(view, start, buffer);
      start += length;
      progress.bytesDone = base + start;
    }
  } finally {
    closeSync(fd);
  }
  if (!decoder.complete) throw new RecordingError('BAD_RECORDING_LINE', 'the cache is truncated');
}

/** Replays the JSON recording into `sink` (the reference path), awaiting the pacer when it asks to. */
export async function replayJsonPaced(
  path: string,
  sink: RecordingSink,
  filter: RecordingFilter,
  pacer: MessagePacer,
  progress: ReadProgress,
): Promise<void> {
  const decoder = new RecordingDecoder(filter);
  // Lines come parsed, without their byte offsets: no byte progress (and no ETA) on this path.
  progress.bytesTotal = 0;
  progress.bytesDone = 0;
  for await (const { message, line, ts } of readRecording(path)) {
    const wait = pacer.beforeMessage(ts);
    if (wait) await wait;
    decoder.decode(message, line, sink);
  }
}
