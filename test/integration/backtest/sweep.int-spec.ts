import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_RECORDING_START_MS } from '../../../src/backtest/domain/sim-recording';
import { simRecordOptionsFrom, writeSimRecording } from '../../../src/backtest/sim-record.cli';
import { recordingSpan } from '../../../src/backtest/sweep/recording-span';

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
});
