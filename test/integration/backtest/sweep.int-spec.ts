import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheSpan } from '../../../src/backtest/backtest-input';
import { ensureCache } from '../../../src/backtest/recording-reader';
import { DEFAULT_SIM_RECORDING_START_MS } from '../../../src/backtest/domain/sim-recording';
import { simRecordOptionsFrom, writeSimRecording } from '../../../src/backtest/sim-record.cli';
import { recordingSpan } from '../../../src/backtest/sweep/recording-span';
import { runSweepCli } from '../../../src/backtest/sweep/sweep.cli';
import { runSweep } from '../../../src/backtest/sweep/sweep-runner';

/** The sweep over a deterministic recording the simulator writes (two virtual minutes). */
describe('backtest sweep', () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    data = join(dir, 'sim.jsonl.gz');
    await writeSimRecording(simRecordOptionsFrom(['--record', data, '--minutes', '2', '--seed', '5']));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the span of the recording from its first and last message', async () => {
    const span = await recordingSpan(data);
    expect(span.fromMs).toBeGreaterThanOrEqual(DEFAULT_SIM_RECORDING_START_MS);
    expect(span.fromMs).toBeLessThan(DEFAULT_SIM_RECORDING_START_MS + 1000);
    expect(span.toMs).toBeGreaterThan(DEFAULT_SIM_RECORDING_START_MS + 119_000);
    expect(span.toMs).toBeLessThanOrEqual(DEFAULT_SIM_RECORDING_START_MS + 120_001);
  });

  it('reads the same span from the binary cache headers as from the JSON, and keeps it beside the cache', async () => {
    const cachePath = await ensureCache(data, join(dir, 'span-cache'));

    expect(cacheSpan(cachePath)).toEqual(await recordingSpan(data));
    expect(JSON.parse(readFileSync(`${cachePath}.span.json`, 'utf8'))).toEqual(await recordingSpan(data));
    expect(cacheSpan(cachePath)).toEqual(await recordingSpan(data)); // from the memo
  });

  it('backtests every combination in- and out-of-sample on two workers and ranks them by the out-of-sample result', async () => {
    const out = join(dir, 'sweep');
    const span = await recordingSpan(data);
    const done: number[] = [];
    const result = await runSweep({
      dataPath: data,
      outDir: out,
      fixed: { IMBALANCE_SELL_THRESHOLD: '0.45', MIN_CLUSTER_VOLUME: '1000' },
      axes: [
        { key: 'IMBALANCE_BUY_THRESHOLD', values: ['0.55', '0.6'] },
        { key: 'SIGNAL_COOLDOWN_MS', values: ['200', '5000'] },
      ],
      inSampleShare: 0.75,
      workers: 2,
      onJobDone: (n) => done.push(n),
    });
    expect(done).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.workers).toBe(2);
    expect(result.split.inSample.fromMs).toBe(span.fromMs);
    expect(result.split.outOfSample.toMs).toBe(span.toMs);
    expect(result.split.inSample.toMs).toBe(span.fromMs + Math.floor((span.toMs - span.fromMs) * 0.75));
    expect(result.ranked.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    const oos = result.ranked.map((r) => Number(r.outOfSample.netPnl));
    expect([...oos].sort((a, b) => b - a)).toEqual(oos);
    // The periods really differ: the longer in-sample period trades more than the out-of-sample one.
    for (const row of result.ranked) expect(row.inSample.trades).toBeGreaterThan(row.outOfSample.trades);
    // A shorter cooldown trades more, whatever the threshold.
    const trades = (buy: string, cooldown: string) =>
      result.ranked.find(
        (r) => r.settings.IMBALANCE_BUY_THRESHOLD === buy && r.settings.SIGNAL_COOLDOWN_MS === cooldown,
      )!.inSample.trades;
    expect(trades('0.55', '200')).toBeGreaterThan(trades('0.55', '5000'));

    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ combinations: 4, workers: 2, rankBy: 'netPnl' });
    expect((json.results as unknown[]).length).toBe(4);
    const text = readFileSync(join(out, 'sweep.txt'), 'utf8');
    expect(text).toContain('IMBALANCE_BUY_THRESHOLD');
    expect(text.trim().split('\n')).toHaveLength(2 + 2 + 4);
  }, 120_000);

  it('refuses a bad --sweep or --set key before starting, naming it (exit code 2)', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text) => (errors.push(String(text)), true));
    try {
      const code = await runSweepCli(['--data', data, '--out', join(dir, 'bad'), '--sweep', 'NOT_A_SETTING=1,2']);
      expect(code).toBe(2);
      expect(errors.join('')).toMatch(/NOT_A_SETTING/);
      errors.length = 0;
      const badValue = await runSweepCli(['--data', data, '--out', join(dir, 'bad'), '--sweep', 'TAKE_PROFIT_PCT=1,x']);
      expect(badValue).toBe(2);
      expect(errors.join('')).toMatch(/TAKE_PROFIT_PCT/);
    } finally {
      spy.mockRestore();
    }
  });
});
