import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { parseTimeBound } from './domain/recording';
import {
  DEFAULT_SIM_RECORDING_START_MS,
  simRecordingLines,
  validateSimRecordingOptions,
  type SimRecordingOptions,
} from './domain/sim-recording';

/**
 * `npm run sim -- --record <file> --minutes N --seed S [--symbols BTCUSDT,ETHUSDT] [--depth 50] [--start ISO|ms]`:
 * writes the market model as a recording (gzipped when the name ends in .gz) and exits. Streamed: lines are
 * batched into chunks and written with back-pressure, so a long session never sits in memory.
 */

const CHUNK_CHARS = 1 << 16;

export function simRecordOptionsFrom(argv: readonly string[]): SimRecordingOptions & { readonly file: string } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      record: { type: 'string' },
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      symbols: { type: 'string', default: 'BTCUSDT' },
      depth: { type: 'string', default: '50' },
      start: { type: 'string' },
    },
    strict: true,
  });
  const file = values.record;
  if (!file) throw new Error('--record <file> is required');
  const options = {
    file,
    seed: values.seed,
    minutes: Number(values.minutes),
    depth: Number(values.depth),
    symbols: values.symbols
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
    startMs: values.start === undefined ? DEFAULT_SIM_RECORDING_START_MS : parseTimeBound(values.start, '--start'),
  };
  validateSimRecordingOptions(options);
  return options;
}

async function* chunks(lines: Iterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Writes the recording to `file` (via a temporary name, so a half-written file never has the final name). */
export async function writeSimRecording(options: SimRecordingOptions & { readonly file: string }): Promise<number> {
  mkdirSync(dirname(options.file), { recursive: true });
  const temporary = `${options.file}.${process.pid}.tmp`;
  let count = 0;
  const counted = function* (): Generator<string> {
    for (const line of simRecordingLines(options)) {
      count++;
      yield line;
    }
  };
  const source = Readable.from(chunks(counted()));
  const out = createWriteStream(temporary);
  if (options.file.endsWith('.gz')) await pipeline(source, createGzip(), out);
  else await pipeline(source, out);
  renameSync(temporary, options.file);
  return count;
}

export async function runSimRecord(argv: readonly string[]): Promise<void> {
  const options = simRecordOptionsFrom(argv);
  const started = process.hrtime.bigint();
  const lines = await writeSimRecording(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ level: 'info', msg: 'recording written', file: options.file, lines, minutes: options.minutes, seed: options.seed, symbols: options.symbols, seconds: Number(seconds.toFixed(2)) })}\n`,
  );
}
