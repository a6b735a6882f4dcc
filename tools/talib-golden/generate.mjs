#!/usr/bin/env node
/**
 * Golden vectors for the incremental indicators (src/features/domain/indicators), from TA-Lib itself.
 *
 * Dev-only, run by hand; CI only reads the committed JSON. `talib` compiles TA-Lib's C source with node-gyp,
 * so it is deliberately NOT in the project's package.json. Install it in a scratch directory and point
 * TALIB_DIR at it (Node 20: talib 1.1.6; talib 2.x needs Node >= 24):
 *
 *   mkdir -p /tmp/talib-gen && cd /tmp/talib-gen && npm init -y
 *   node -e 'const p=require("./package.json");p.allowScripts={talib:true};require("fs").writeFileSync("package.json",JSON.stringify(p,null,2))'
 *   npm i talib@1.1.6            # npm 11 blocks install scripts unless allowed; check build/Release/talib.node exists
 *   cd /work/main && TALIB_DIR=/tmp/talib-gen node tools/talib-golden/generate.mjs
 *
 * Options (env): CANDLES (CSV path, default ../shared/data/candles/btcusdt-1m-2021-02-19-to-25.csv),
 * COUNT (first N rows, default 3000), OUT (default test/fixtures/talib/btcusdt-1m-golden.json).
 *
 * Every TA-Lib call uses startIdx 0 over the whole fixture range (TA-Lib re-seeds at startIdx − lookback, so a
 * later start would change the values). Outputs are aligned to the input: null before TA-Lib's begIndex.
 * Values are rounded to 12 significant digits (≤ 5e-12 relative), well inside the 1e-9 pass rule.
 * The non-TA-Lib product indicators (keltner, vwap, cmf, vpt, nvi, bollinger width/pct) are plain batch loops of
 * FEATURES.md §4, built on TA-Lib's own EMA(20), ATR(10) and BBANDS where the definition uses them.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const talibDir = resolve(process.env.TALIB_DIR ?? '/tmp/talib-gen');
const require = createRequire(resolve(talibDir, 'package.json'));
const talib = require('talib');
const talibPackage = JSON.parse(readFileSync(require.resolve('talib/package.json'), 'utf8'));
const cVersionFile = resolve(dirname(require.resolve('talib/package.json')), 'src/lib/src/ta_common/ta_version.c');
const cVersion = existsSync(cVersionFile) ? parseTaLibCVersion(readFileSync(cVersionFile, 'utf8')) : 'unknown';

const candlesPath = resolve(
  process.env.CANDLES ?? resolve(repoRoot, '../shared/data/candles/btcusdt-1m-2021-02-19-to-25.csv'),
);
const count = Number(process.env.COUNT ?? 3000);
const outPath = resolve(process.env.OUT ?? resolve(repoRoot, 'test/fixtures/talib/btcusdt-1m-golden.json'));

const rows = readFileSync(candlesPath, 'utf8')
  .trim()
  .split('\n')
  .slice(1, 1 + count);
if (rows.length !== count) throw new Error(`wanted ${count} candles, the file has ${rows.length}`);
const time = [],
  open = [],
  high = [],
  low = [],
  close = [],
  volume = [];
for (const row of rows) {
  const [t, o, h, l, c, v] = row.split(',').map(Number); // Number(), as the tests parse them
  time.push(t);
  open.push(o);
  high.push(h);
  low.push(l);
  close.push(c);
  volume.push(v);
}
const n = close.length;
const ohlcv = { open, high, low, close, volume };

function run(name, inputs, options) {
  const result = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...inputs, ...options });
  if (result.error) throw new Error(`${name}: ${result.error}`);
  return result;
}

function align(begIndex, values) {
  const out = new Array(n).fill(null);
  values.forEach((v, i) => (out[begIndex + i] = v));
  return out;
}

const round = (v) => (v === null ? null : Number(v.toPrecision(12)));
const series = {};
function put(feature, fn, options, begIndex, values) {
  if (values.some((v) => v !== null && !Number.isFinite(v))) throw new Error(`${feature}: non-finite value`);
  series[feature] = { function: fn, options, begIndex, values: values.map(round) };
}
function talibSeries(feature, name, inputs, options, output = 'outReal') {
  const r = run(name, inputs, options);
  put(feature, name, options, r.begIndex, align(r.begIndex, r.result[output]));
  return series[feature];
}

const inReal = { inReal: close };
for (const p of [10, 20, 50]) talibSeries(`sma_${p}`, 'SMA', inReal, { optInTimePeriod: p });
for (const p of [10, 20, 50]) talibSeries(`ema_${p}`, 'EMA', inReal, { optInTimePeriod: p });
const macdOptions = { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
talibSeries('macd', 'MACD', inReal, macdOptions, 'outMACD');
talibSeries('macd_signal', 'MACD', inReal, macdOptions, 'outMACDSignal');
talibSeries('macd_histogram', 'MACD', inReal, macdOptions, 'outMACDHist');
talibSeries('adx', 'ADX', ohlcv, { optInTimePeriod: 14 });
talibSeries('plus_di', 'PLUS_DI', ohlcv, { optInTimePeriod: 14 });
talibSeries('minus_di', 'MINUS_DI', ohlcv, { optInTimePeriod: 14 });
talibSeries('rsi_14', 'RSI', inReal, { optInTimePeriod: 14 });
talibSeries('rsi_28', 'RSI', inReal, { optInTimePeriod: 28 });
const stochOptions = {
  optInFastK_Period: 14,
  optInSlowK_Period: 3,
  optInSlowK_MAType: 0,
  optInSlowD_Period: 3,
  optInSlowD_MAType: 0,
};
talibSeries('stochastic_k', 'STOCH', ohlcv, stochOptions, 'outSlowK');
talibSeries('stochastic_d', 'STOCH', ohlcv, stochOptions, 'outSlowD');
talibSeries('williams_r', 'WILLR', ohlcv, { optInTimePeriod: 14 });
talibSeries('cci', 'CCI', ohlcv, { optInTimePeriod: 20 });
talibSeries('momentum_10', 'MOM', inReal, { optInTimePeriod: 10 });
talibSeries('roc', 'ROC', inReal, { optInTimePeriod: 10 });
talibSeries('mfi', 'MFI', ohlcv, { optInTimePeriod: 14 });
const bbOptions = { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
const bbUpper = talibSeries('bollinger_upper', 'BBANDS', inReal, bbOptions, 'outRealUpperBand').values;
const bbMiddle = talibSeries('bollinger_middle', 'BBANDS', inReal, bbOptions, 'outRealMiddleBand').values;
const bbLower = talibSeries('bollinger_lower', 'BBANDS', inReal, bbOptions, 'outRealLowerBand').values;
talibSeries('atr_14', 'ATR', ohlcv, { optInTimePeriod: 14 });
talibSeries('obv', 'OBV', { inReal: close, volume }, {});
talibSeries('ad_line', 'AD', ohlcv, {});

// --- product (non-TA-Lib) indicators, FEATURES.md §4, from unrounded TA-Lib outputs where they build on them ---
const rawBb = run('BBANDS', inReal, bbOptions);
const bb = {
  upper: align(rawBb.begIndex, rawBb.result.outRealUpperBand),
  middle: align(rawBb.begIndex, rawBb.result.outRealMiddleBand),
  lower: align(rawBb.begIndex, rawBb.result.outRealLowerBand),
};
put(
  'bollinger_width',
  'derived: (upper − lower)/middle of BBANDS(20,2,2,SMA); 0 when middle = 0',
  bbOptions,
  rawBb.begIndex,
  bb.middle.map((m, i) => (m === null ? null : m === 0 ? 0 : (bb.upper[i] - bb.lower[i]) / m)),
);
put(
  'bollinger_pct',
  'derived: (C − lower)/(upper − lower) of BBANDS(20,2,2,SMA); 0.5 when upper = lower',
  bbOptions,
  rawBb.begIndex,
  bb.middle.map((m, i) =>
    m === null ? null : bb.upper[i] === bb.lower[i] ? 0.5 : (close[i] - bb.lower[i]) / (bb.upper[i] - bb.lower[i]),
  ),
);

const ema20 = run('EMA', inReal, { optInTimePeriod: 20 });
const atr10 = run('ATR', ohlcv, { optInTimePeriod: 10 });
const ema20a = align(ema20.begIndex, ema20.result.outReal);
const atr10a = align(atr10.begIndex, atr10.result.outReal);
const keltnerBeg = Math.max(ema20.begIndex, atr10.begIndex);
const keltner = (sign) => ema20a.map((e, i) => (i < keltnerBeg ? null : e + sign * 2 * atr10a[i]));
put(
  'keltner_upper',
  'product: TA-Lib EMA(20) + 2·TA-Lib ATR(10)',
  { ema: 20, atr: 10, multiplier: 2 },
  keltnerBeg,
  keltner(+1),
);
put(
  'keltner_lower',
  'product: TA-Lib EMA(20) − 2·TA-Lib ATR(10)',
  { ema: 20, atr: 10, multiplier: 2 },
  keltnerBeg,
  keltner(-1),
);

const DAY_MS = 86_400_000;
const vwap = [];
let day = null,
  sumPv = 0,
  sumV = 0;
for (let i = 0; i < n; i++) {
  const d = Math.floor(time[i] / DAY_MS);
  if (d !== day) {
    day = d;
    sumPv = 0;
    sumV = 0;
  }
  const tp = (high[i] + low[i] + close[i]) / 3;
  sumPv += tp * volume[i];
  sumV += volume[i];
  vwap.push(sumV > 0 ? sumPv / sumV : close[i]);
}
put(
  'vwap',
  'product: Σ TP·V / Σ V over the candles of the current UTC day (by open time); close when Σ V = 0',
  {},
  0,
  vwap,
);

const clv = (i) => (high[i] - low[i] > 0 ? (close[i] - low[i] - (high[i] - close[i])) / (high[i] - low[i]) : 0);
const cmf = [];
for (let i = 0; i < n; i++) {
  if (i < 19) {
    cmf.push(null);
    continue;
  }
  let mfv = 0,
    v = 0;
  for (let j = i - 19; j <= i; j++) {
    mfv += clv(j) * volume[j];
    v += volume[j];
  }
  cmf.push(v > 0 ? mfv / v : 0);
}
put('cmf', 'product: Σ₂₀ CLV·V / Σ₂₀ V (two-pass per bar); 0 when Σ V = 0', { period: 20 }, 19, cmf);

const vpt = [0],
  nvi = [1000];
for (let i = 1; i < n; i++) {
  vpt.push(vpt[i - 1] + (close[i - 1] !== 0 ? (volume[i] * (close[i] - close[i - 1])) / close[i - 1] : 0));
  nvi.push(volume[i] < volume[i - 1] && close[i - 1] !== 0 ? (nvi[i - 1] * close[i]) / close[i - 1] : nvi[i - 1]);
}
put('vpt', 'product: VPT₀ = 0; VPT += V·(C − C₋₁)/C₋₁', {}, 0, vpt);
put('nvi', 'product: NVI₀ = 1000; NVI ×= C/C₋₁ when V < V₋₁', {}, 0, nvi);

const golden = {
  source:
    'TA-Lib via the npm package talib (node-talib), talib.execute with startIdx 0; product indicators as batch loops',
  talib: { npm: talibPackage.version, c: cVersion, unstablePeriod: 0, compatibility: 'default' },
  node: process.version,
  candles: {
    file: relative(repoRoot, candlesPath),
    first: 0,
    count: n,
    fromOpenTimeMs: time[0],
    toOpenTimeMs: time[n - 1],
    from: new Date(time[0]).toISOString(),
    to: new Date(time[n - 1]).toISOString(),
  },
  rounding: '12 significant digits',
  series,
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify(golden) + '\n');
console.log(`wrote ${relative(process.cwd(), outPath)}: ${Object.keys(series).length} series x ${n} candles`);

function parseTaLibCVersion(source) {
  const get = (key) => source.match(new RegExp(`#define ${key} "([^"]*)"`))?.[1];
  return `${get('MAJOR')}.${get('MINOR')}.${get('BUILD')}${get('EXTRA') ? `-${get('EXTRA')}` : ''}`;
}
