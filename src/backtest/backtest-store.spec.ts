import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BacktestStore, newRunId, RUN_ID, type StoredRun } from './backtest-store';

describe('BacktestStore', () => {
  let dir: string;
  let store: BacktestStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-store-'));
    store = new BacktestStore(join(dir, 'backtests'));
    store.init();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const aRun = (createdAtMs: number, status: StoredRun['status'] = 'succeeded'): StoredRun => ({
    id: newRunId(createdAtMs),
    status,
    createdAtMs,
    finishedAtMs: status === 'running' ? null : createdAtMs + 1000,
    request: { dataFile: 'a.jsonl', symbols: null, fromMs: null, toMs: null, seed: null, overrides: { A: '1' } },
    fingerprint: null,
    messages: null,
    wallMs: null,
    metrics: null,
    error: null,
  });

  it('names runs by creation time, so names sort as runs were created', () => {
    const id = newRunId(Date.UTC(2025, 0, 31, 12, 0, 0, 123));
    expect(id).toMatch(RUN_ID);
    expect(id.startsWith('20250131-120000-123-')).toBe(true);
    expect(newRunId(Date.UTC(2025, 0, 31, 12, 0, 1)) > id).toBe(true);
  });

  it('keeps each run as run.json and settings.json in its own folder, and pages them newest first', () => {
    const runs = [1, 2, 3].map((minute) => aRun(Date.UTC(2025, 0, 1, 0, minute)));
    for (const run of runs) store.create(run);
    mkdirSync(join(dir, 'backtests', 'cache')); // the engine's cache folder is not a run
    expect(JSON.parse(readFileSync(join(dir, 'backtests', runs[0].id, 'settings.json'), 'utf8'))).toMatchObject({
      dataFile: 'a.jsonl',
      overrides: { A: '1' },
      fingerprint: null,
      settings: null,
    });
    const page = store.page(2, 0);
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.id)).toEqual([runs[2].id, runs[1].id]);
    expect(store.page(2, 2).items.map((r) => r.id)).toEqual([runs[0].id]);
    expect(store.get(runs[1].id)).toEqual(runs[1]);
  });

  it('never reads outside its folder: a malformed id is no run', () => {
    expect(store.get('../../etc')).toBeUndefined();
    expect(store.file('../x', 'report.json')).toBeUndefined();
    expect(() => store.dirOf('../x')).toThrow(/not a backtest id/);
  });

  it('marks runs a stopped service left running as failed, and only those', () => {
    const running = aRun(Date.UTC(2025, 0, 1), 'running');
    const done = aRun(Date.UTC(2025, 0, 2));
    store.create(running);
    store.create(done);
    expect(store.failInterrupted(Date.UTC(2025, 0, 3))).toBe(1);
    expect(store.get(running.id)).toMatchObject({
      status: 'failed',
      finishedAtMs: Date.UTC(2025, 0, 3),
      error: expect.stringMatching(/interrupted/),
    });
    expect(store.get(done.id)).toEqual(done);
    expect(store.failInterrupted(Date.UTC(2025, 0, 4))).toBe(0);
  });
});
