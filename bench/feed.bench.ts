import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/app.factory';
import { TradingPipeline } from '../src/bot/trading-pipeline';
import { ExchangeConnectionService } from '../src/exchange/exchange-connection.service';
import { loadAppConfig } from '../src/infra/config/app-config';
import { resolveDatabase } from '../src/infra/database/database-url';
import { runMigrations } from '../src/infra/database/data-source';
import { startSimulator } from '../src/simulator/simulator-runtime';
import { freePort, table } from './support';

/** Bybit pushes orderbook.50 every 20 ms (BYBIT.md §6): 50 messages/s per topic, 5,000/s for 100 symbols. */
const PUSH_PER_SECOND = 1000 / 20;
const SIM_KEY = 'bench-feed-sim-key';
const SIM_SECRET = 'bench-feed-sim-secret';
const SEED = 42;
const READY_TIMEOUT_MS = 60_000;

/** SYM000USDT, SYM001USDT, … (synthetic instruments the simulator lists like any other). */
function feedSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `SYM${String(i).padStart(3, '0')}USDT`);
}

// ------------------------------------------------------------------------------------------ the child process

/** `node dist-bench/bench/feed.bench.js --child <symbols>`: the simulator alone, its port printed as one JSON line. */
async function runChild(symbolCount: number): Promise<void> {
  const simulator = await startSimulator({
    port: 0,
    symbols: feedSymbols(symbolCount),
    seed: SEED,
    apiKey: SIM_KEY,
    apiSecret: SIM_SECRET,
  });
  process.stdout.write(`${JSON.stringify({ port: simulator.port })}\n`);
  const stop = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (require.main === module && process.argv[2] === '--child') {
  runChild(Number(process.argv[3])).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}

function spawnSimulator(symbolCount: number): Promise<{ process: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [__filename, '--child', String(symbolCount)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('simulator child did not report its port within 30 s'));
    }, 30_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator child exited early with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ process: child, port: (JSON.parse(out.slice(0, newline)) as { port: number }).port });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of `pid` from /proc, in ms of CPU. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
}

async function simPublished(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/sim/stats`);
  return ((await response.json()) as { published: number }).published;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------ one measurement

export interface FeedRunResult {
  readonly symbols: number;
  readonly seconds: number;
  readonly readyMs: number;
  readonly framesPerSecond: number;
  readonly bookUpdatesPerSecond: number;
  readonly publishedPerSecond: number;
  readonly nominalPerSecond: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly cpuPercent: number;
  readonly simCpuPercent: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly signals: number;
}

/**
 * The simulator (child process) publishing orderbook.50 for `symbolCount` symbols; the whole app booted in this
 * process as the bot (exchange client → order books → features → strategy, snapshots) trading those symbols.
 * Measured for `seconds` once /health/ready is 200 and one second of warm-up has passed.
 */
async function measureBot(symbolCount: number, seconds: number): Promise<FeedRunResult> {
  const child = await spawnSimulator(symbolCount);
  const dir = mkdtempSync(join(tmpdir(), 'bench-feed-'));
  chmodSync(dir, 0o755);
  const symbols = feedSymbols(symbolCount);
  let database: Awaited<ReturnType<typeof resolveDatabase>> | undefined;
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    const config = loadAppConfig(
      {
        ...process.env,
        APP_PASSWORD: 'bench-password-123456',
        SECRET_KEY: 'f'.repeat(64),
        BYBIT_ENV: 'sim',
        SIM_IN_PROCESS: 'false',
        SIM_PORT: String(child.port),
        METRICS_PORT: '0',
        SIM_API_KEY: SIM_KEY,
        SIM_API_SECRET: SIM_SECRET,
        SIM_SEED: String(SEED),
        TRADING_PAIRS: symbols.join(','),
        ORDERBOOK_DEPTH: '50',
        DATA_DIR: join(dir, 'data'),
        LOG_DIR: join(dir, 'logs'),
        LOG_STDOUT: 'false',
        LOG_LEVEL: 'warn',
        EMBEDDED_PG_PORT: String(await freePort()),
      },
      { dotenvPath: false },
    );
    database = await resolveDatabase(config);
    await runMigrations(database.migrationUrl);
    const bootStarted = performance.now();
    app = await createApp(config, database.url);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const appUrl = await app.getUrl();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastStatus = 0;
    let lastBody = '';
    for (;;) {
      try {
        const response = await fetch(`${appUrl}/health/ready`);
        lastStatus = response.status;
        lastBody = await response.text();
        if (response.status === 200) break;
      } catch (error) {
        lastBody = String(error);
      }
      if (Date.now() > deadline)
        throw new Error(
          `/health/ready not 200 within ${READY_TIMEOUT_MS / 1000} s (last ${lastStatus}: ${lastBody.slice(0, 500)})`,
        );
      await sleep(250);
    }
    const readyMs = performance.now() - bootStarted;
    await sleep(1000); // warm-up

    const connection = app.get(ExchangeConnectionService);
    const pipeline = app.get(TradingPipeline);
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    const before = {
      frames: connection.status().counters.public_frames,
      pipeline: pipeline.counters(),
      published: await simPublished(child.port),
      cpu: process.cpuUsage(),
      sim: cpuMsOf(child.process.pid as number),
      at: performance.now(),
    };
    histogram.enable();
    await sleep(seconds * 1000);
    histogram.disable();
    const after = {
      frames: connection.status().counters.public_frames,
      pipeline: pipeline.counters(),
      cpu: process.cpuUsage(before.cpu),
      sim: cpuMsOf(child.process.pid as number),
      at: performance.now(),
      published: await simPublished(child.port),
    };
    const memory = process.memoryUsage();
    const elapsedS = (after.at - before.at) / 1000;
    return {
      symbols: symbolCount,
      seconds: elapsedS,
      readyMs,
      framesPerSecond: (after.frames - before.frames) / elapsedS,
      bookUpdatesPerSecond: (after.pipeline.book_updates - before.pipeline.book_updates) / elapsedS,
      publishedPerSecond: (after.published - before.published) / elapsedS,
      nominalPerSecond: symbolCount * PUSH_PER_SECOND,
      lagP50Ms: histogram.percentile(50) / 1e6,
      lagP99Ms: histogram.percentile(99) / 1e6,
      lagMaxMs: histogram.max / 1e6,
      cpuPercent: ((after.cpu.user + after.cpu.system) / 1e6 / elapsedS) * 100,
      simCpuPercent: ((after.sim - before.sim) / 1000 / elapsedS) * 100,
      rssMiB: memory.rss / 1024 / 1024,
      heapUsedMiB: memory.heapUsed / 1024 / 1024,
      signals: after.pipeline.signals - before.pipeline.signals,
    };
  } finally {
    if (app) await app.close();
    if (database) await database.stop();
    await stopChild(child.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The bot under the full public feed: 100 symbols of orderbook.50 at Bybit's push rate (50/s each, 5,000/s) from
 * the simulator in a child process, the app booted in this process. Frames received and book updates processed
 * per second, event-loop delay (monitorEventLoopDelay, 10 ms resolution, enabled for the window only), this
 * process's CPU (% of one core) and RSS, signals; a 10-symbol row first for scaling (BENCH_FEED_BASELINE=0 skips).
 */
export async function feedBench(seconds = 15): Promise<FeedRunResult[]> {
  const rows: FeedRunResult[] = [];
  if (process.env.BENCH_FEED_BASELINE !== '0') rows.push(await measureBot(10, Math.max(5, Math.round(seconds / 2))));
  const large = await measureBot(100, seconds);
  rows.push(large);
  table(
    rows.map((r) => ({
      'orderbook.50 symbols': r.symbols,
      'nominal msg/s': r.nominalPerSecond,
      'sim published/s': Math.round(r.publishedPerSecond),
      'bot frames/s': Math.round(r.framesPerSecond),
      'book updates/s': Math.round(r.bookUpdatesPerSecond),
      '% of nominal': Number(((r.bookUpdatesPerSecond / r.nominalPerSecond) * 100).toFixed(1)),
      'loop p50 ms': Number(r.lagP50Ms.toFixed(2)),
      'loop p99 ms': Number(r.lagP99Ms.toFixed(2)),
      'loop max ms': Number(r.lagMaxMs.toFixed(2)),
      'bot CPU % core': Number(r.cpuPercent.toFixed(1)),
      'bot RSS MiB': Math.round(r.rssMiB),
      'heap MiB': Math.round(r.heapUsedMiB),
      'sim CPU % core': Number(r.simCpuPercent.toFixed(1)),
      signals: r.signals,
      'ready s': Number((r.readyMs / 1000).toFixed(1)),
      s: Number(r.seconds.toFixed(1)),
    })),
  );
  console.log(
    `feed: 100 × orderbook.50 → ${Math.round(large.bookUpdatesPerSecond)} msg/s processed (${((large.bookUpdatesPerSecond / large.nominalPerSecond) * 100).toFixed(1)} % of ${large.nominalPerSecond.toLocaleString('en-US')}), ` +
      `event-loop p99 ${large.lagP99Ms.toFixed(1)} ms (target ≤ 20), CPU ${large.cpuPercent.toFixed(1)} % of one core (target < 50 %), RSS ${Math.round(large.rssMiB)} MiB ` +
      `— ${large.seconds.toFixed(1)} s, ${large.signals} signals, bot frames ${Math.round(large.framesPerSecond)}/s, simulator in a child process, loopback`,
  );
  return rows;
}
