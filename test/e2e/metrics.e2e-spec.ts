import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { MetricsServer } from '../../src/metrics/metrics.server';
import { LIVELY_STRATEGY, loginToken, startTestApp, TestApp } from '../support/app';

/**
 * GET /metrics and the trade story in the log, end to end: the whole app against the built-in simulator with the
 * strategy's thresholds loosened (as in signals.e2e-spec) so the bot trades within seconds once started.
 */
type Samples = Map<string, number>;

/** Parses the text exposition into `name{labels}` → value (labels as printed by prom-client). */
function parse(text: string): { samples: Samples; types: Map<string, string> } {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line.length === 0 || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, types };
}

/** Sum of every sample of `name` whose labels contain all of `labels` (e.g. 'symbol="BTCUSDT"'). */
function sum(samples: Samples, name: string, ...labels: string[]): number {
  let total = 0;
  for (const [key, value] of samples) {
    const bare = key.split('{')[0];
    if (bare !== name) continue;
    if (labels.every((l) => key.includes(l))) total += value;
  }
  return total;
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly context?: string;
  readonly trace_id?: string;
  readonly [key: string]: unknown;
}

function logLines(dir: string): LogLine[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^bot_\d{8}\.log$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LogLine);
}

describe('metrics and the trade story', () => {
  let ctx: TestApp;
  let url: string;
  const scrape = async () => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parse(await response.text());
  };

  beforeAll(async () => {
    ctx = await startTestApp({
      ...LIVELY_STRATEGY,
      MAX_HOLD_SECONDS: '2',
      LOG_LEVEL: 'info',
    });
    url = ctx.app.get(MetricsServer).url();
  });
  afterAll(() => ctx?.close());

  it('should serve /metrics on its own loopback listener only, not on the API port', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(url).port).not.toBe(new URL(ctx.baseUrl).port);
    expect((await fetch(`${ctx.baseUrl}/metrics`)).status).toBe(404); // not an API route
    // Bound to loopback: another address of this machine refuses the connection.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external) {
      const refused = await fetch(url.replace('127.0.0.1', external.address)).then(
        () => 'answered',
        (error: Error & { cause?: { code?: string } }) => error.cause?.code,
      );
      expect(refused).toBe('ECONNREFUSED');
    }
    expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    const { types } = await scrape();
    // prom-client's process and Node defaults
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    // Prometheus naming: counters end in _total, histograms carry a unit
    for (const [name, type] of types) {
      if (!name.startsWith('scalper_')) continue;
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (type === 'histogram') expect(name).toMatch(/_(seconds|bps)$/);
    }
  });

  it('should move the trading series when the bot trades against the simulator', async () => {
    const before = (await scrape()).samples;
    expect(sum(before, 'scalper_bot_running')).toBe(0);
    const token = await loginToken(ctx.baseUrl);
    const started = await fetch(`${ctx.baseUrl}/bot/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(started.status).toBe(200);

    const after = await waitFor(
      async () => (await scrape()).samples,
      (s) =>
        sum(s, 'scalper_orders_total', 'status="Filled"') > 0 &&
        sum(s, 'scalper_signal_to_first_fill_seconds_count') > 0 &&
        sum(s, 'scalper_positions_closed_total') > 0,
      'a filled order and a closed position in /metrics',
      60_000,
    );
    expect(sum(after, 'scalper_bot_running')).toBe(1);
    expect(sum(after, 'scalper_book_messages_total', 'symbol="BTCUSDT"')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_book_messages_total', 'symbol="ETHUSDT"')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_book_staleness_seconds', 'symbol="BTCUSDT"')).toBeLessThan(5);
    expect(sum(after, 'scalper_feature_compute_seconds_count')).toBeGreaterThan(
      sum(before, 'scalper_feature_compute_seconds_count'),
    );
    expect(sum(after, 'scalper_signals_total')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_orders_total', 'status="Pending"')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_signal_to_send_seconds_count')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_signal_to_ack_seconds_count')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_entry_slippage_bps_count')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_write_ahead_commit_seconds_count')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_circuit_breaker_state', 'group="trade"', 'state="CLOSED"')).toBe(1);
    expect(sum(after, 'scalper_kill_switch_active')).toBe(0);
    expect(sum(after, 'scalper_daily_loss_limit_usdt')).toBeGreaterThan(0);
    expect(sum(after, 'scalper_http_request_duration_seconds_count', 'route="/bot/start"', 'status_code="200"')).toBe(
      1,
    );
    expect(sum(after, 'scalper_reconciliation_runs_total', 'result="success"')).toBeGreaterThan(0);
  });

  it('should tell each trade in the log: signal, order sent, acked, filled, position opened and closed, one trace id', async () => {
    const logDir = ctx.config.logging.dir;
    const lines = await waitFor(
      () => Promise.resolve(logLines(logDir)),
      (all) => all.some((l) => l.context === 'Trade' && l.msg.startsWith('position closed')),
      'a position closed line',
    );
    const trade = lines.filter((l) => l.context === 'Trade');
    const closed = trade.find((l) => l.msg.startsWith('position closed'))!;
    expect(closed.level).toBe('info');
    expect(closed.exitReason).toEqual(expect.any(String));
    expect(closed.realizedPnl).toEqual(expect.any(String));
    // One trace id from the signal to the close: the exit order is caused by the entry's signal too.
    const story = trade.filter((l) => l.trace_id === closed.trace_id).map((l) => l.msg);
    for (const step of ['signal ', 'order sent', 'order acked', 'order filled', 'position opened', 'position closed'])
      expect({ step, found: story.some((msg) => msg.startsWith(step)), story }).toMatchObject({ step, found: true });
  });

  it('should not listen nor instrument at all with METRICS_ENABLED=false', async () => {
    const off = await startTestApp({ METRICS_ENABLED: 'false' });
    try {
      expect(() => off.app.get(MetricsServer)).toThrow();
      expect((await fetch(`${off.baseUrl}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('should keep the start-up chatter and readiness polling out of the info log', () => {
    const lines = logLines(ctx.config.logging.dir);
    const noisy = lines.filter(
      (l) => ['InstanceLoader', 'RoutesResolver', 'RouterExplorer'].includes(l.context ?? '') && l.level !== 'debug',
    );
    expect(noisy).toEqual([]);
    // startTestApp polled /health/ready until 200; a 503 on the way is not an error
    expect(lines.filter((l) => String(l.url).startsWith('/health/'))).toEqual([]);
    expect(lines.filter((l) => l.level === 'error' && String(l.path).startsWith('/health/'))).toEqual([]);
  });
});
