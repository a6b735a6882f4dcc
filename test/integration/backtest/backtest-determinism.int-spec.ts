import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBacktest, writeBacktestOutput } from '../../../src/backtest/backtest-runner';
import { simRecordOptionsFrom, writeSimRecording } from '../../../src/backtest/sim-record.cli';
import { REPO_ROOT } from '../../support/process';
import { sharedPath } from '../../support/shared-data';

/**
 * Determinism: the same data, settings and seed give a byte-identical report.json, on the real Bybit-format
 * BTCUSDT recording and on a recording of the simulator's market; each run is a fresh world (its own binary cache
 * build for the first, the cache for the second, the JSON path for a third), so nothing carries over.
 */

const BTC = sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz');

describe('backtest determinism', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-determinism-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function reportJson(dataPath: string, name: string, overrides: Record<string, string> = {}): Promise<string> {
    const result = await runBacktest({ dataPath, overrides: { DATA_DIR: join(dir, 'data'), ...overrides }, seed: 3 });
    const out = join(dir, name);
    await writeBacktestOutput(out, result);
    return readFileSync(join(out, 'report.json'), 'utf8');
  }

  it('gives a byte-identical report.json for the real BTCUSDT recording (cache and JSON paths alike)', async () => {
    const first = await reportJson(BTC, 'btc-1');
    const second = await reportJson(BTC, 'btc-2');
    const json = await reportJson(BTC, 'btc-3', { BACKTEST_CACHE: 'false' });
    expect(second).toBe(first);
    // The JSON path reads the same messages into the same world (how the data is read is not in the report).
    expect(json).toBe(first);
    const report = JSON.parse(first) as {
      metrics: { trades: number; fillRatio: number };
      counters: Record<string, number>;
      reconciliation: { kernelNetPnl: string; reportNetPnl: string };
    };
    expect(report.counters.messages).toBe(27_850);
    expect(report.metrics.trades).toBeGreaterThan(10);
    expect(report.reconciliation.kernelNetPnl).toBe(report.reconciliation.reportNetPnl);
  });

  it('gives a byte-identical report.json for a simulator recording, and another one for another seed of data', async () => {
    const record = async (file: string, seed: string) => {
      const path = join(dir, file);
      await writeSimRecording(simRecordOptionsFrom(['--record', path, '--minutes', '3', '--seed', seed]));
      return path;
    };
    const a = await record('sim-a.jsonl.gz', '11');
    const b = await record('sim-b.jsonl.gz', '12');
    const settings = { MIN_CLUSTER_VOLUME: '1000', SIGNAL_COOLDOWN_MS: '1000' };
    const first = await reportJson(a, 'sim-1', settings);
    const second = await reportJson(a, 'sim-2', settings);
    expect(second).toBe(first);
    const other = await reportJson(b, 'sim-3', settings);
    expect(other).not.toBe(first);
    expect((JSON.parse(first) as { counters: { signals: number } }).counters.signals).toBeGreaterThan(0);
  });

  it('the CLI refuses an unknown --set key with exit code 2, naming it', () => {
    const cli = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'src/backtest/backtest.cli.ts',
        '--data',
        BTC,
        '--out',
        join(dir, 'cli'),
        '--set',
        'NO_SUCH_KEY=1',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_SWC: 'true' }, encoding: 'utf8' },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('NO_SUCH_KEY');
    const missing = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'src/backtest/backtest.cli.ts',
        '--data',
        join(dir, 'nope.jsonl'),
        '--out',
        join(dir, 'cli'),
      ],
      { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_SWC: 'true' }, encoding: 'utf8' },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.jsonl');
  });
});
