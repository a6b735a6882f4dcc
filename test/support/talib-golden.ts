/**
 * Test-only: the candle fixture and the TA-Lib golden vectors (test/fixtures/talib, made by
 * tools/talib-golden/generate.mjs). Not imported by production code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndicatorCandle } from '../../src/features/domain/indicators/indicator-candle';
import { sharedPath } from './shared-data';

const REPO_ROOT = join(__dirname, '../..');
const GOLDEN_PATH = join(REPO_ROOT, 'test/fixtures/talib/btcusdt-1m-golden.json');

export interface GoldenSeries {
  readonly function: string;
  readonly begIndex: number;
  readonly values: ReadonlyArray<number | null>;
}

interface GoldenFile {
  readonly candles: { readonly file: string; readonly first: number; readonly count: number };
  readonly series: Record<string, GoldenSeries>;
}

let cache: { golden: GoldenFile; candles: IndicatorCandle[] } | undefined;

function load(): { golden: GoldenFile; candles: IndicatorCandle[] } {
  if (cache) return cache;
  const golden = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as GoldenFile;
  // The generator records the file as seen from the repository ('../shared/...'): resolve it wherever shared/ is.
  const candlesFile = golden.candles.file.startsWith('../shared/')
    ? sharedPath(golden.candles.file.slice('../shared/'.length))
    : join(REPO_ROOT, golden.candles.file);
  const rows = readFileSync(candlesFile, 'utf8').trim().split('\n').slice(1);
  const candles = rows.slice(golden.candles.first, golden.candles.first + golden.candles.count).map((row) => {
    const [openTimeMs, open, high, low, close, volume] = row.split(',').map(Number); // as the generator parses
    return { openTimeMs, open, high, low, close, volume };
  });
  cache = { golden, candles };
  return cache;
}

export function goldenCandles(): IndicatorCandle[] {
  return load().candles;
}

export function goldenSeries(feature: string): GoldenSeries {
  const series = load().golden.series[feature];
  if (!series) throw new Error(`no golden series ${feature}`);
  return series;
}

export interface Comparison {
  /** Indices where the implementation's readiness differs from TA-Lib's (value null before begIndex). */
  readonly readinessMismatches: number[];
  /** Indices where a value is NaN or ±Infinity (checked at every index, warm-up included). */
  readonly nonFinite: number[];
  /** Indices ≥ begIndex where |impl − golden| > 1e-9·max(|golden|, 1). */
  readonly outOfTolerance: number[];
  readonly maxAbsoluteError: number;
  /** max |impl − golden| / max(|golden|, 1): the quantity the pass rule bounds by 1e-9. */
  readonly maxScaledError: number;
}

export const TOLERANCE = 1e-9;

/** Compares per-candle outputs (value and readiness after each update) with a golden series. */
export function compareWithGolden(
  feature: string,
  values: readonly number[],
  ready: readonly boolean[],
  tolerance = TOLERANCE,
): Comparison {
  const golden = goldenSeries(feature);
  const readinessMismatches: number[] = [];
  const nonFinite: number[] = [];
  const outOfTolerance: number[] = [];
  let maxAbsoluteError = 0;
  let maxScaledError = 0;
  golden.values.forEach((expected, i) => {
    const actual = values[i];
    if (!Number.isFinite(actual)) nonFinite.push(i);
    if (ready[i] !== (expected !== null)) readinessMismatches.push(i);
    if (expected === null) return;
    const error = Math.abs(actual - expected);
    const scaled = error / Math.max(Math.abs(expected), 1);
    if (!(scaled <= tolerance)) outOfTolerance.push(i);
    if (error > maxAbsoluteError) maxAbsoluteError = error;
    if (scaled > maxScaledError) maxScaledError = scaled;
  });
  return { readinessMismatches, nonFinite, outOfTolerance, maxAbsoluteError, maxScaledError };
}

/** Feeds every fixture candle to `update` and records `pick(output)` and `isReady()` after each one. */
export function runOverFixture<T>(
  update: (candle: IndicatorCandle) => T,
  isReady: () => boolean,
  picks: Record<string, (output: T) => number>,
): Record<string, { values: number[]; ready: boolean[] }> {
  const out: Record<string, { values: number[]; ready: boolean[] }> = {};
  for (const key of Object.keys(picks)) out[key] = { values: [], ready: [] };
  for (const candle of goldenCandles()) {
    const output = update(candle);
    const ready = isReady();
    for (const [key, pick] of Object.entries(picks)) {
      out[key].values.push(pick(output));
      out[key].ready.push(ready);
    }
  }
  return out;
}

/** Runs `make()` over the fixture and checks each picked output against its golden series. */
export function expectMatchesGolden<T>(
  make: () => { update(candle: IndicatorCandle): T; readonly ready: boolean },
  picks: Record<string, (output: T) => number>,
  isReady?: (indicator: { readonly ready: boolean }) => boolean,
  tolerances: Record<string, number> = {},
): Record<string, Comparison> {
  const sut = make();
  const runs = runOverFixture(
    (c) => sut.update(c),
    () => (isReady ? isReady(sut) : sut.ready),
    picks,
  );
  const results: Record<string, Comparison> = {};
  for (const [feature, run] of Object.entries(runs)) {
    const comparison = compareWithGolden(feature, run.values, run.ready, tolerances[feature] ?? TOLERANCE);
    results[feature] = comparison;
    expect({
      feature,
      nonFinite: comparison.nonFinite,
      readinessMismatches: comparison.readinessMismatches,
      outOfTolerance: comparison.outOfTolerance.slice(0, 5),
    }).toEqual({
      feature,
      nonFinite: [],
      readinessMismatches: [],
      outOfTolerance: [],
    });
  }
  return results;
}
