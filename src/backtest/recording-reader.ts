import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { threadId } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { CACHE_MAGIC, CacheDecoder, CacheEncoder } from './domain/recording-cache.codec';
import {
  defaultGridResolver,
  RecordingDecoder,
  RecordingError,
  type GridResolver,
  type RecordedObject,
  type RecordingFilter,
  type RecordingSink,
} from './domain/recording';

/**
 * Reads recordings from disk: a `.jsonl`/`.json`/`.ndjson` file (optionally `.gz`), or a directory of them merged
 * by exchange `ts` (several symbols recorded into separate files replay interleaved, as they happened). Streamed
 * chunk by chunk: memory does not grow with the recording.
 */

const RECORDING_FILE = /\.(jsonl|ndjson|json|txt)(\.gz)?$/i;

export function listRecordingFiles(path: string): string[] {
  const stat = statSync(path);
  if (!stat.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => RECORDING_FILE.test(name))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new RecordingError('BAD_FILTER', `no recording files (.jsonl[.gz]) in ${path}`);
  return files;
}

/** Lines of a file, gunzipped when it starts with the gzip magic; one await per chunk, not per line. */
export async function* readLines(file: string): AsyncGenerator<string> {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(2);
  const got = readSync(fd, head, 0, 2, 0);
  closeSync(fd);
  const gz = got === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    raw.destroy();
  }
}

export interface RecordedLine {
  readonly message: RecordedObject;
  readonly ts: number;
  readonly file: string;
  readonly line: number;
}

/** Parsed lines of one file; blank lines skipped, a line that is not a JSON object is an error naming file:line. */
async function* parsedLines(file: string): AsyncGenerator<RecordedLine> {
  let line = 0;
  for await (const text of readLines(file)) {
    line++;
    if (text.length === 0 || text.trim().length === 0) continue;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw new RecordingError('BAD_RECORDING_LINE', `${basename(file)}:${line}: not JSON`, { file, line });
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new RecordingError('BAD_RECORDING_LINE', `${basename(file)}:${line}: not a JSON object`, { file, line });
    }
    const ts = (message as RecordedObject).ts;
    yield { message: message as RecordedObject, ts: typeof ts === 'number' ? ts : -Infinity, file, line };
  }
}

/** Every line of a file or directory, in `ts` order across files (ties: file name order; within a file: as written). */
export async function* readRecording(path: string): AsyncGenerator<RecordedLine> {
  const files = listRecordingFiles(path);
  if (files.length === 1) {
    yield* parsedLines(files[0]);
    return;
  }
  const sources = files.map((file) => parsedLines(file));
  const heads: Array<RecordedLine | undefined> = [];
  for (const source of sources) heads.push((await source.next()).value as RecordedLine | undefined);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (best < 0 || head.ts < heads[best]!.ts)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = (await sources[best].next()).value as RecordedLine | undefined;
  }
}

export interface ReplayStats {
  readonly lines: number;
  readonly books: number;
  readonly trades: number;
  readonly skipped: number;
}

/** Replays the JSON recording into `sink` through `RecordingDecoder` (the reference path). */
export async function replayJson(
  path: string,
  sink: RecordingSink,
  filter: RecordingFilter = {},
  resolveGrid: GridResolver = defaultGridResolver,
): Promise<ReplayStats & { decoder: RecordingDecoder }> {
  const decoder = new RecordingDecoder(filter, resolveGrid);
  let books = 0;
  let trades = 0;
  for await (const { message, line } of readRecording(path)) {
    const kind = decoder.decode(message, line, sink);
    if (kind === 'book') books++;
    else if (kind === 'trades') trades++;
  }
  return { lines: decoder.lines, books, trades, skipped: decoder.skipped, decoder };
}

/**
 * A fingerprint of the recording's bytes, cheap on large files: per file its name, size, mtime and the SHA-256 of
 * its first and last 64 KiB; the cache format version is part of it, so a format change never reads an old cache.
 */
export function fingerprintRecording(path: string): string {
  const hash = createHash('sha256').update(CACHE_MAGIC);
  const window = Buffer.alloc(1 << 16);
  for (const file of listRecordingFiles(path)) {
    const stat = statSync(file);
    hash.update(`${basename(file)}\0${stat.size}\0${stat.mtimeMs}\0`);
    const fd = openSync(file, 'r');
    try {
      hash.update(window.subarray(0, readSync(fd, window, 0, window.length, 0)));
      const tail = Math.max(0, stat.size - window.length);
      hash.update(window.subarray(0, readSync(fd, window, 0, window.length, tail)));
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex').slice(0, 32);
}

const FLUSH_BYTES = 4 << 20;

/**
 * The binary cache of a recording under `cacheDir` (built on first use from the whole, unfiltered recording;
 * filters apply when it is replayed). Written to a temporary name and renamed, so a crash never leaves a cache that
 * looks complete. Returns its path.
 */
export async function ensureCache(
  path: string,
  cacheDir: string,
  resolveGrid: GridResolver = defaultGridResolver,
): Promise<string> {
  const cachePath = join(cacheDir, `${fingerprintRecording(path)}.bin`);
  if (isCompleteCache(cachePath)) return cachePath;
  mkdirSync(cacheDir, { recursive: true });
  // pid + thread: sweep workers share the pid and may build the same cache at once; the last rename wins, intact.
  const temporary = `${cachePath}.${process.pid}.${threadId}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    const decoder = new RecordingDecoder({}, resolveGrid);
    const encoder = new CacheEncoder((symbol) => decoder.gridOf(symbol));
    const flush = () => {
      const bytes = encoder.take();
      writeSync(fd, bytes, 0, bytes.length);
    };
    for await (const { message, line } of readRecording(path)) {
      decoder.decode(message, line, encoder);
      if (encoder.buffered >= FLUSH_BYTES) flush();
    }
    encoder.end();
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, cachePath);
  return cachePath;
}

function isCompleteCache(cachePath: string): boolean {
  try {
    statSync(cachePath);
  } catch {
    return false;
  }
  // The END record is the last 16 bytes: kind 3 at offset 4.
  const fd = openSync(cachePath, 'r');
  try {
    const size = statSync(cachePath).size;
    if (size < 24) return false;
    const tail = Buffer.alloc(16);
    readSync(fd, tail, 0, 16, size - 16);
    return tail.readUInt32LE(0) === 16 && tail[4] === 3;
  } finally {
    closeSync(fd);
  }
}

/** Replays a cache file into `sink` (synchronous reads: a replay is a batch job, in a CLI or a worker thread). */
export function replayCache(cachePath: string, sink: RecordingSink, filter: RecordingFilter = {}): CacheDecoder {
  const decoder = new CacheDecoder(sink, filter);
  const fd = openSync(cachePath, 'r');
  // Sized to the file when it is small: a short replay must not pay for zeroing a large buffer.
  let buffer = Buffer.allocUnsafe(Math.min(8 << 20, Math.max(1 << 16, fstatSync(fd).size)));
  let filled = 0;
  try {
    for (;;) {
      if (filled === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      filled += read;
      const used = decoder.push(buffer, filled);
      buffer.copy(buffer, 0, used, filled);
      filled -= used;
    }
  } finally {
    closeSync(fd);
  }
  if (filled !== 0 || !decoder.complete) {
    throw new RecordingError('BAD_RECORDING_LINE', `cache ${basename(cachePath)} is truncated`);
  }
  return decoder;
}
