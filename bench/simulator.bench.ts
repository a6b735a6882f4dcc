import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startSimulator } from '../src/simulator/simulator-runtime';
import { table } from './support';

/** Bybit pushes orderbook.50 every 20 ms (BYBIT.md §6): 50 messages per second per topic at most. */
const DEPTH = 50;
const PUSH_PER_SECOND = 1000 / 20;
const SUBSCRIBE_BATCH = 10;
const SIM_KEY = 'bench-sim-key';
const SIM_SECRET = 'bench-sim-secret';

/** SYM000USDT… with the eight real instruments first (BTCUSDT, ETHUSDT, …), so the mix has real filters too. */
export function benchSymbols(count: number): string[] {
  const real = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT', 'ADAUSDT', 'LINKUSDT'];
  const out = real.slice(0, count);
  for (let i = 0; out.length < count; i++) out.push(`SYM${String(i).padStart(3, '0')}USDT`);
  return out;
}

// ------------------------------------------------------------------------------------------ the child process

/**
 * `node dist-bench/bench/simulator.bench.js --child <symbols>`: the simulator alone in its own process (so its CPU
 * and memory are its own), on a free loopback port, printed as one JSON line on stdout; stops on SIGTERM.
 */
async function runChild(symbolCount: number): Promise<void> {
  const simulator = await startSimulator({
    port: 0,
    symbols: benchSymbols(symbolCount),
    seed: 42,
    apiKey: SIM_KEY,
    apiSecret: SIM_SECRET,
  });
  process.stdout.write(`${JSON.stringify({ port: simulator.port })}\n`);
  const stop = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Stop with the parent, should it die without signalling us.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (require.main === module && process.argv[2] === '--child') {
  runChild(Number(process.argv[3])).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly startupMs: number;
}

function spawnSimulator(symbolCount: number, extraNodeArgs: readonly string[]): Promise<Child> {
  const started = performance.now();
  const child = spawn(process.execPath, [...extraNodeArgs, __filename, '--child', String(symbolCount)], {
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
      const { port } = JSON.parse(out.slice(0, newline)) as { port: number };
      resolve({ process: child, port, startupMs: performance.now() - started });
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

// ------------------------------------------------------------------------------------------ /proc readings

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

/** utime + stime of `pid`, in ms of CPU. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
}

/** VmRSS and VmHWM (peak) of `pid`, in MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

async function simStats(port: number): Promise<{ connections: number; published: number; topics: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/sim/stats`);
  return (await response.json()) as { connections: number; published: number; topics: number };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------ one measurement

export interface FeedResult {
  readonly symbols: number;
  readonly seconds: number;
  readonly startupMs: number;
  readonly receivedPerSecond: number;
  readonly publishedPerSecond: number;
  readonly nominalPerSecond: number;
  readonly bytesPerSecond: number;
  readonly simCpuPercent: number;
  readonly clientCpuPercent: number;
  readonly simRssMiB: number;
  readonly simPeakMiB: number;
  readonly gaps: number;
  readonly extraSnapshots: number;
  readonly topicsSeen: number;
  readonly ageP50Ms: number;
  readonly ageP99Ms: number;
  readonly ageMaxMs: number;
}

/**
 * One client on /v5/public/linear subscribed to orderbook.50 of `symbolCount` symbols (≤10 topics a subscribe),
 * measured for `seconds` after every snapshot has arrived and one second of warm-up.
 */
async function measureFeed(
  symbolCount: number,
  seconds: number,
  nodeArgs: readonly string[] = [],
): Promise<FeedResult> {
  const child = await spawnSimulator(symbolCount, nodeArgs);
  const pid = child.process.pid as number;
  const socket = new WebSocket(`ws://127.0.0.1:${child.port}/v5/public/linear`, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const symbols = benchSymbols(symbolCount);
    const lastU = new Map<string, number>();
    let messages = 0;
    let bytes = 0;
    let gaps = 0;
    let extraSnapshots = 0;
    let failedSubscribes = 0;
    let measuring = false;
    const ages: number[] = [];
    socket.on('message', (data: Buffer) => {
      bytes += data.length;
      const message = JSON.parse(data.toString()) as {
        topic?: string;
        type?: string;
        ts?: number;
        data?: { u?: number };
        op?: string;
        success?: boolean;
      };
      if (message.op === 'subscribe') {
        if (!message.success) failedSubscribes++;
        return;
      }
      if (!message.topic || message.data?.u === undefined) return;
      messages++;
      const u = message.data.u;
      const previous = lastU.get(message.topic);
      if (message.type === 'snapshot') {
        if (previous !== undefined) extraSnapshots++;
      } else if (previous === undefined || u !== previous + 1) {
        gaps++;
      }
      lastU.set(message.topic, u);
      if (measuring && message.ts !== undefined) ages.push(Date.now() - message.ts);
    });
    for (let i = 0; i < symbols.length; i += SUBSCRIBE_BATCH) {
      const args = symbols.slice(i, i + SUBSCRIBE_BATCH).map((s) => `orderbook.${DEPTH}.${s}`);
      socket.send(JSON.stringify({ op: 'subscribe', req_id: `bench-${i}`, args }));
    }
    const deadline = Date.now() + 10_000;
    while (lastU.size < symbols.length && Date.now() < deadline) await sleep(20);
    await sleep(1000); // warm-up

    const before = {
      messages,
      bytes,
      gaps,
      sim: cpuMsOf(pid),
      client: process.cpuUsage(),
      at: performance.now(),
      stats: await simStats(child.port),
    };
    ages.length = 0;
    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    const after = {
      messages,
      bytes,
      gaps,
      sim: cpuMsOf(pid),
      client: process.cpuUsage(before.client),
      at: performance.now(),
      stats: await simStats(child.port),
    };
    const memory = memoryOf(pid);
    const elapsedS = (after.at - before.at) / 1000;
    ages.sort((a, b) => a - b);
    return {
      symbols: symbolCount,
      seconds: elapsedS,
      startupMs: child.startupMs,
      receivedPerSecond: (after.messages - before.messages) / elapsedS,
      // One client subscribed: every message the simulator published went to it.
      publishedPerSecond: (after.stats.published - before.stats.published) / elapsedS,
      nominalPerSecond: symbolCount * PUSH_PER_SECOND,
      bytesPerSecond: (after.bytes - before.bytes) / elapsedS,
      simCpuPercent: ((after.sim - before.sim) / 1000 / elapsedS) * 100,
      clientCpuPercent: ((after.client.user + after.client.system) / 1e6 / elapsedS) * 100,
      simRssMiB: memory.rssMiB,
      simPeakMiB: memory.peakMiB,
      gaps: gaps + failedSubscribes,
      extraSnapshots,
      topicsSeen: lastU.size,
      ageP50Ms: percentile(ages, 50),
      ageP99Ms: percentile(ages, 99),
      ageMaxMs: ages.length ? ages[ages.length - 1] : NaN,
    };
  } finally {
    socket.terminate();
    await stopChild(child.process);
  }
}

/**
 * The simulator's public feed under load: one plain `ws` client subscribed to orderbook.50 of 10 and then 100
 * symbols, the simulator in a child process. Messages/s against Bybit's nominal 50/s per topic, bytes/s, the
 * simulator's CPU (% of one core, from /proc) and RSS, `u` contiguity per topic, and message age on arrival
 * (now − ts, same machine clock). BENCH_SIM_PROFILE=1 runs the 100-symbol child under --cpu-prof (into a tmp dir).
 */
export async function simulatorBench(seconds = 15): Promise<FeedResult[]> {
  const profileDir = process.env.BENCH_SIM_PROFILE === '1' ? mkdtempSync(join(tmpdir(), 'bench-sim-prof-')) : undefined;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const small = await measureFeed(10, Math.max(3, Math.round(seconds / 2)));
  const large = await measureFeed(100, seconds, profileArgs);
  const rows = [small, large];
  table(
    rows.map((r) => ({
      'orderbook.50 topics': r.symbols,
      'msg/s': Math.round(r.receivedPerSecond),
      'nominal msg/s': r.nominalPerSecond,
      ratio: Number((r.receivedPerSecond / r.nominalPerSecond).toFixed(3)),
      'published/s (sim)': Math.round(r.publishedPerSecond),
      'KiB/s': Math.round(r.bytesPerSecond / 1024),
      'sim CPU % core': Number(r.simCpuPercent.toFixed(1)),
      'sim RSS MiB': Math.round(r.simRssMiB),
      'client CPU % core': Number(r.clientCpuPercent.toFixed(1)),
      'age p50 ms': r.ageP50Ms,
      'age p99 ms': r.ageP99Ms,
      'u gaps': r.gaps,
      'extra snapshots': r.extraSnapshots,
      'start ms': Math.round(r.startupMs),
    })),
  );
  const scale = (large.simCpuPercent / small.simCpuPercent).toFixed(1);
  console.log(
    `orderbook.50 × 100 = ${Math.round(large.receivedPerSecond)} msg/s = ${((large.receivedPerSecond / large.nominalPerSecond) * 100).toFixed(1)} % of nominal ${large.nominalPerSecond}/s ` +
      `(10 symbols: ${((small.receivedPerSecond / small.nominalPerSecond) * 100).toFixed(1)} %), ${(large.bytesPerSecond / 1024 / 1024).toFixed(2)} MiB/s, ` +
      `simulator ${large.simCpuPercent.toFixed(1)} % of one core (${scale}× the 10-symbol run), RSS ${Math.round(large.simRssMiB)} MiB (peak ${Math.round(large.simPeakMiB)}), ` +
      `u gaps ${large.gaps} (10 symbols: ${small.gaps}) — ${large.seconds.toFixed(1)} s, simulator in a child process, one ws client, loopback, ${ticksPerSecond()} Hz /proc ticks`,
  );
  if (profileDir) console.log(`simulator CPU profile (100 symbols, whole child lifetime) in ${profileDir}`);
  return rows;
}
