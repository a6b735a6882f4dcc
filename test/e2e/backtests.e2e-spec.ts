import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { simRecordOptionsFrom, writeSimRecording } from '../../src/backtest/sim-record.cli';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { sharedPath } from '../support/shared-data';
import { waitFor } from '../support/wait-for';

/**
 * Backtests over the API, end to end: the whole app on PostgreSQL, a deterministic recording the simulator writes
 * (three virtual minutes of BTCUSDT) in BACKTEST_DATA_DIR, the run in a real worker thread (the engine from its
 * TypeScript sources, as ts-node runs it), progress and completion on /ws `backtests`, the stored files.
 */

interface Frame {
  readonly channel?: string;
  readonly seq?: number;
  readonly op?: string;
  readonly data?: { event: string; run: Record<string, unknown> };
}

/** Settings that make the simulated market trade within minutes (the defaults wait for rare imbalance episodes). */
const LIVELY = {
  IMBALANCE_BUY_THRESHOLD: '0.55',
  IMBALANCE_SELL_THRESHOLD: '0.45',
  MIN_CLUSTER_VOLUME: 1000,
  SIGNAL_COOLDOWN_MS: '2000',
};

describe('Backtests API (e2e)', () => {
  let ctx: TestApp;
  let token: string;
  let dir: string;
  let dataDir: string;

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : undefined;
    return { status: response.status, headers: response.headers, text, body: json as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backtests-e2e-'));
    dataDir = join(dir, 'recordings');
    mkdirSync(join(dataDir, 'sim'), { recursive: true });
    await writeSimRecording(
      simRecordOptionsFrom(['--record', join(dataDir, 'sim', 'btc-3m.jsonl.gz'), '--minutes', '3', '--seed', '5']),
    );
    // Outside the data directory, and a link inside it pointing there.
    writeFileSync(join(dir, 'outside.jsonl'), readFileSync(join(dataDir, 'sim', 'btc-3m.jsonl.gz')));
    symlinkSync(join(dir, 'outside.jsonl'), join(dataDir, 'escape.jsonl'));
    writeFileSync(join(dataDir, 'notes.md'), 'not a recording');
    ctx = await startTestApp({ BACKTEST_DATA_DIR: dataDir, BACKTEST_MAX_CONCURRENT: '1' });
    token = await loginToken(ctx.baseUrl);
  }, 90_000);
  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs a token', async () => {
    expect((await fetch(`${ctx.baseUrl}/backtests`)).status).toBe(401);
    expect((await fetch(`${ctx.baseUrl}/backtests/data-files`)).status).toBe(401);
  });

  it('lists the recordings under BACKTEST_DATA_DIR and the settings a run may change', async () => {
    const files = await call('GET', '/backtests/data-files');
    expect(files.status).toBe(200);
    expect(files.body.directory).toBe(dataDir);
    const items = files.body.items as Array<{ path: string; bytes: number; modifiedAt: string }>;
    // Not the link leading out of the directory, not notes.md.
    expect(items.map((f) => f.path)).toEqual(['sim/btc-3m.jsonl.gz']);
    expect(items[0].bytes).toBeGreaterThan(100_000);
    expect(items[0].modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const settings = await call('GET', '/backtests/settings');
    const names = (settings.body.items as Array<{ name: string; value: string | null }>).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['IMBALANCE_BUY_THRESHOLD', 'TAKE_PROFIT_PCT', 'BACKTEST_QUEUE']));
    expect(names).not.toContain('DATA_DIR');
    expect(names).not.toContain('SECRET_KEY');
  });

  it.each([
    ['path traversal', { dataFile: '../outside.jsonl' }, /^dataFile: must not leave BACKTEST_DATA_DIR/],
    ['an absolute path', { dataFile: '/etc/outside.jsonl' }, /^dataFile: must be a path relative/],
    ['an unknown file', { dataFile: 'sim/nope.jsonl' }, /^dataFile: no recording sim\/nope.jsonl/],
    ['a file that is not a recording', { dataFile: 'notes.md' }, /^dataFile: must be a recording/],
    ['a link out of the directory', { dataFile: 'escape.jsonl' }, /^dataFile: must not leave BACKTEST_DATA_DIR/],
    ['no data file', {}, /^dataFile: /],
    [
      'a setting a backtest cannot change',
      { dataFile: 'sim/btc-3m.jsonl.gz', settings: { DATA_DIR: '/tmp' } },
      /^settings\.DATA_DIR: is not a setting a backtest can change/,
    ],
    [
      'an unknown setting',
      { dataFile: 'sim/btc-3m.jsonl.gz', settings: { NOT_A_SETTING: '1' } },
      /^settings\.NOT_A_SETTING: /,
    ],
    [
      'a bad setting value',
      { dataFile: 'sim/btc-3m.jsonl.gz', settings: { TAKE_PROFIT_PCT: 'lots' } },
      /^settings\.TAKE_PROFIT_PCT: .*lots/,
    ],
    [
      'a bad realism value',
      { dataFile: 'sim/btc-3m.jsonl.gz', settings: { BACKTEST_FAULT_REJECT_RATE: '2' } },
      /^settings\.BACKTEST_FAULT_REJECT_RATE: /,
    ],
    [
      'a period that ends before it starts',
      { dataFile: 'sim/btc-3m.jsonl.gz', from: '2025-01-01T00:02:00Z', to: '2025-01-01T00:01:00Z' },
      /^to: must be later than from/,
    ],
    ['a malformed time', { dataFile: 'sim/btc-3m.jsonl.gz', from: 'yesterday' }, /^from: /],
    ['an unknown field', { dataFile: 'sim/btc-3m.jsonl.gz', data_file: 'x' }, /data_file/],
  ])('refuses %s with a 400 naming the field', async (_what, body, message) => {
    const answer = await call('POST', '/backtests', body);
    expect({ status: answer.status, message: answer.body.message }).toEqual({
      status: 400,
      message: expect.stringMatching(message),
    });
  });

  it('runs a backtest in a worker, pushes progress and completion on /ws, and keeps the run', async () => {
    const socket = new WebSocket(`${ctx.baseUrl.replace(/^http/, 'ws')}/ws?token=${token}`);
    const frames: Frame[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ op: 'subscribe', channels: ['backtests'] }));
    await waitFor(() => frames.find((f) => f.op === 'subscribe'), { timeoutMs: 3000, what: 'subscribed' });

    // The event loop stays free while the worker runs: its lag is sampled throughout.
    let maxLagMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    const started = await call('POST', '/backtests', {
      dataFile: 'sim/btc-3m.jsonl.gz',
      symbols: ['btcusdt'],
      settings: LIVELY,
      seed: 3,
    });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    expect(started.body).toMatchObject({
      status: 'running',
      dataFile: 'sim/btc-3m.jsonl.gz',
      symbols: ['BTCUSDT'],
      seed: 3,
      settings: { ...LIVELY, MIN_CLUSTER_VOLUME: '1000' },
      summary: null,
    });
    expect(id).toMatch(/^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/);

    // One at a time (BACKTEST_MAX_CONCURRENT=1): the next is refused, not queued.
    const busy = await call('POST', '/backtests', { dataFile: 'sim/btc-3m.jsonl.gz' });
    expect(busy.status).toBe(429);
    expect(busy.body.code).toBe('BACKTESTS_BUSY');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);

    const finished = await waitFor(
      () => frames.find((f) => f.channel === 'backtests' && f.data?.event === 'finished' && f.data.run.id === id),
      { timeoutMs: 60_000, intervalMs: 100, what: 'the finished push' },
    );
    clearInterval(probe);
    socket.close();
    expect(finished!.data!.run).toMatchObject({ id, status: 'succeeded', error: null });
    const pushes = frames.filter((f) => f.channel === 'backtests');
    expect(pushes[0].data!.event).toBe('started');
    const progress = pushes.find((f) => f.data!.event === 'progress');
    expect(progress?.data?.run).toMatchObject({ id, status: 'running' });
    expect((progress?.data?.run.progress as { messagesDone: number }).messagesDone).toBeGreaterThan(0);
    expect(pushes.map((f) => f.seq)).toEqual(pushes.map((_, i) => i + 1));
    expect(maxLagMs).toBeLessThan(500);

    const detail = await call('GET', `/backtests/${id}`);
    expect(detail.status).toBe(200);
    const summary = detail.body.summary as Record<string, unknown>;
    const report = detail.body.report as { metrics: Record<string, unknown>; settings: Record<string, string> };
    expect(detail.body).toMatchObject({ id, status: 'succeeded', progress: null });
    expect(detail.body.messages).toBeGreaterThan(10_000);
    expect(detail.body.fingerprint).toMatch(/^[0-9a-f]{16,}$/);
    expect(summary.trades).toBeGreaterThan(0);
    expect(summary.trades).toBe(report.metrics.trades);
    expect(summary.netPnl).toBe(report.metrics.netPnl);
    expect(report.settings.IMBALANCE_BUY_THRESHOLD).toBe('0.55');

    // Stored as files under DATA_DIR/backtests/<id>/.
    const stored = join(ctx.config.app.dataDir, 'backtests', id);
    const settings = JSON.parse(readFileSync(join(stored, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(settings).toMatchObject({
      dataFile: 'sim/btc-3m.jsonl.gz',
      seed: 3,
      overrides: { ...LIVELY, MIN_CLUSTER_VOLUME: '1000' },
      fingerprint: detail.body.fingerprint,
    });
    expect((settings.settings as Record<string, string>).SIGNAL_COOLDOWN_MS).toBe('2000');
    expect(JSON.parse(readFileSync(join(stored, 'report.json'), 'utf8'))).toEqual(report);
    // The engine's binary cache of the recording lives under this service's DATA_DIR, beside the runs.
    expect(readdirSync(join(ctx.config.app.dataDir, 'backtests', 'cache')).some((f) => f.endsWith('.bin'))).toBe(true);
    expect(report.settings.DATA_DIR).toBeUndefined();

    const html = await call('GET', `/backtests/${id}/report.html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    expect(html.text).toContain('<!doctype html>');
    expect(html.text).not.toMatch(/<script[^>]+src=/);

    const list = await call('GET', '/backtests?limit=5');
    expect(list.body).toMatchObject({ limit: 5, offset: 0, total: 1 });
    expect((list.body.items as Array<{ id: string }>)[0].id).toBe(id);
  }, 90_000);

  it('backtests the real XRPUSDT orderbook.500 recording (Bybit data) as well', async () => {
    const real = sharedPath('data/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');
    mkdirSync(join(dataDir, 'bybit'), { recursive: true });
    copyFileSync(real, join(dataDir, 'bybit', 'xrpusdt-orderbook500.jsonl'));
    const lines = readFileSync(real, 'utf8')
      .split('\n')
      .filter((l) => l.trim()).length;
    const started = await call('POST', '/backtests', { dataFile: 'bybit/xrpusdt-orderbook500.jsonl' });
    expect(started.status).toBe(202);
    const run = await waitFor(() => call('GET', `/backtests/${started.body.id as string}`), {
      until: (answer) => answer.body.status !== 'running',
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the XRPUSDT run to end',
    });
    expect(run.body).toMatchObject({ status: 'succeeded', messages: lines, error: null });
    expect((run.body.report as { run: Record<string, string> }).run.symbols).toBe('XRPUSDT');
  }, 90_000);

  it('marks a run whose worker fails as failed, with the reason', async () => {
    // A recording the engine cannot read: the failure happens in the worker, after the 202.
    writeFileSync(join(dataDir, 'broken.jsonl'), '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,\n');
    const started = await call('POST', '/backtests', { dataFile: 'broken.jsonl' });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    const run = await waitFor(() => call('GET', `/backtests/${id}`), {
      until: (answer) => answer.body.status !== 'running',
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the broken run to end',
    });
    expect(run.body).toMatchObject({ status: 'failed', report: null, summary: null });
    expect(run.body.error).toMatch(/broken\.jsonl:1|line 1/);
    const html = await call('GET', `/backtests/${id}/report.html`);
    expect(html.status).toBe(409);
    expect(html.body.code).toBe('BACKTEST_REPORT_NOT_READY');
  }, 90_000);

  it('marks a run the service stopped during as failed (interrupted), and keeps it after the restart', async () => {
    const started = await call('POST', '/backtests', { dataFile: 'sim/btc-3m.jsonl.gz', settings: LIVELY });
    expect(started.status).toBe(202);
    ctx = await ctx.restart();
    const run = await call('GET', `/backtests/${started.body.id as string}`);
    expect(run.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted/), report: null });
    // The slot is free again.
    const next = await call('POST', '/backtests', { dataFile: 'bybit/xrpusdt-orderbook500.jsonl' });
    expect(next.status).toBe(202);
    await waitFor(() => call('GET', `/backtests/${next.body.id as string}`), {
      until: (answer) => answer.body.status === 'succeeded',
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the run after the restart',
    });
  }, 90_000);

  it('cancels a running backtest: stored as cancelled without a report, the slot free again', async () => {
    const started = await call('POST', '/backtests', { dataFile: 'sim/btc-3m.jsonl.gz', settings: LIVELY });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    const cancelled = await call('POST', `/backtests/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      id,
      status: 'cancelled',
      error: 'cancelled by the operator',
      summary: null,
    });
    expect((await call('GET', `/backtests/${id}`)).body).toMatchObject({ status: 'cancelled', report: null });
    expect((await call('GET', `/backtests/${id}/report.html`)).status).toBe(409);
    const again = await call('POST', `/backtests/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'BACKTEST_NOT_RUNNING' });
    expect((await call('POST', '/backtests/20250101-000000-000-abcdef/cancel')).status).toBe(404);
    const next = await call('POST', '/backtests', { dataFile: 'sim/btc-3m.jsonl.gz' });
    expect(next.status).toBe(202);
    await waitFor(() => call('GET', `/backtests/${next.body.id as string}`), {
      until: (answer) => answer.body.status !== 'running',
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the run after the cancelled one',
    });
  }, 90_000);

  it('answers 404 for an unknown run and 400 for a malformed id', async () => {
    expect((await call('GET', '/backtests/20250101-000000-000-abcdef')).status).toBe(404);
    const bad = await call('GET', '/backtests/..%2F..%2Fetc');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^id: /);
  });
});
