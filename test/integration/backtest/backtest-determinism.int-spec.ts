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

  it('runs the fault profile through the live breaker, reproducibly: rejects, timeouts, the breaker opening', async () => {
    const rejected = JSON.parse(await reportJson(BTC, 'faults-reject', { BACKTEST_FAULT_REJECT_RATE: '1' })) as {
      counters: Record<string, number>;
      metrics: { trades: number };
    };
    expect(rejected.metrics.trades).toBe(0);
    expect(rejected.counters.venue_rejected).toBe(rejected.counters.signal_sent);
    expect(rejected.counters.kernel_send_failures).toBe(rejected.counters.signal_sent);
    const settings = { BACKTEST_FAULT_TIMEOUT_RATE: '1' };
    const first = await reportJson(BTC, 'faults-timeout-1', settings);
    expect(await reportJson(BTC, 'faults-timeout-2', settings)).toBe(first);
    const timeouts = JSON.parse(first) as { counters: Record<string, number>; reconciliation: { openAtEnd: number } };
    expect(timeouts.counters.venue_timeouts).toBeGreaterThan(0);
    // CIRCUIT_BREAKER_FAILURE_THRESHOLD (5) consecutive timeouts open the trade breaker: entries are refused.
    expect(timeouts.counters.risk_rejected_BREAKER_OPEN).toBeGreaterThan(0);
    // Orders whose answer timed out are found by the kernel's look-ups (half of them reached the venue).
    expect(timeouts.counters.kernel_orders_polled).toBeGreaterThan(0);
    expect(timeouts.reconciliation.openAtEnd).toBe(0);
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
