import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { loadAppConfig } from '../src/infra/config/app-config';
import { resolveDatabase } from '../src/infra/database/database-url';
import { runMigrations } from '../src/infra/database/data-source';
import { autocannon, freePort, table } from './support';

@Controller()
class BareVerifyController {
  @Get('verify')
  verify() {
    return { valid: true, subject: 'operator', issuedAt: new Date().toISOString(), expiresIn: 3600 };
  }
}

@Module({ controllers: [BareVerifyController] })
class BareNestModule {}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
}

interface RunResult {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** CPU of this process (user + system) during the run, per request served. */
  readonly cpuMicrosPerRequest: number;
  /** Of which system (kernel) time: mostly the loopback socket reads and writes. */
  readonly systemMicrosPerRequest: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * GET /auth/verify with a valid JWT through the whole stack (helmet, CORS, trace id + its context, the request log
 * line to the daily file, the JWT guard with the password-version check, the exception filter, serialisation)
 * versus a bare Fastify route returning a similar body and a bare NestJS-on-Fastify route (the framework alone).
 *
 * On a shared machine one block per server is at the mercy of whatever else runs during that block, so the three
 * are measured in `rounds` alternating rounds (the order rotates each round), each round yielding its own ratios;
 * the medians of those ratios are the result. All three servers live in this process, so the CPU per request of
 * each run is this process's CPU during it divided by the requests served (it includes the idle app's background
 * work: the in-process simulator's feeds and the bot's timers; `idle CPU` says how much that is).
 */
export async function authVerifyBench(
  seconds = 5,
  connections = 50,
  rounds = Number(process.env.BENCH_ROUNDS ?? 5),
): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  chmodSync(dir, 0o755);
  const config = loadAppConfig(
    {
      ...process.env,
      APP_PASSWORD: 'bench-password-123456',
      SECRET_KEY: 'b'.repeat(64),
      DATA_DIR: join(dir, 'data'),
      LOG_DIR: join(dir, 'logs'),
      LOG_STDOUT: 'false',
      EMBEDDED_PG_PORT: String(await freePort()),
      SIM_PORT: String(await freePort()),
      METRICS_PORT: '0',
    },
    { dotenvPath: false },
  );
  const database = await resolveDatabase(config);
  await runMigrations(database.migrationUrl);
  const app = await createApp(config, database.url);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appUrl = await app.getUrl();
  const bare = Fastify();
  bare.get('/verify', async () => ({
    valid: true,
    subject: 'operator',
    issuedAt: new Date().toISOString(),
    expiresIn: 3600,
  }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/verify`;
  const bareNest = await NestFactory.create<NestFastifyApplication>(BareNestModule, new FastifyAdapter(), {
    logger: false,
  });
  await bareNest.listen({ port: 0, host: '127.0.0.1' });
  const bareNestUrl = `${await bareNest.getUrl()}/verify`;
  try {
    const login = await fetch(`${appUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'bench-password-123456' }),
    });
    const { accessToken: token } = (await login.json()) as { accessToken: string };
    const targets: Target[] = [
      { name: 'bare Fastify GET /verify', url: bareUrl },
      { name: 'bare NestJS on Fastify GET /verify', url: bareNestUrl },
      {
        name: 'app GET /auth/verify (JWT)',
        url: `${appUrl}/auth/verify`,
        headers: { authorization: `Bearer ${token}` },
      },
    ];
    const [fastifyTarget, nestTarget, appTarget] = targets;
    // Warm every server up before measuring.
    for (const target of targets) await autocannon(target.url, { seconds: 1, connections, headers: target.headers });
    const idleCpuMsPerSecond = await idleCpu(1000);

    const results = new Map<Target, RunResult[]>(targets.map((target) => [target, []]));
    const ratios: Array<{ ofFastify: number; ofNest: number }> = [];
    // BENCH_CPU_PROFILE=<dir>: CPU profiles of this process during the app's and bare Fastify's runs of the last
    // round (both profiled, so that round's ratio carries the profiler's cost on both sides).
    const profileDir = process.env.BENCH_CPU_PROFILE;
    const profiled = new Map<Target, string>([
      [appTarget, 'app'],
      [fastifyTarget, 'fastify'],
    ]);
    for (let round = 0; round < rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        const label = profiled.get(target);
        const profiling = profileDir && label && round === rounds - 1 ? await startCpuProfile() : null;
        const heapDir = target === appTarget && round === rounds - 1 ? process.env.BENCH_HEAP_PROFILE : undefined;
        const heap = heapDir ? await startHeapProfile() : null;
        const result = await run(target, seconds, connections);
        if (heap && heapDir)
          console.log(`Heap profile of the last ${target.name} run: ${await heap.stop(heapDir, 'app')}`);
        if (profiling && profileDir && label)
          console.log(`CPU profile of the last ${target.name} run: ${await profiling.stop(profileDir, label)}`);
        results.get(target)?.push(result);
      }
      const of = (target: Target) => results.get(target)?.[round]?.requestsPerSecond ?? NaN;
      ratios.push({ ofFastify: of(appTarget) / of(fastifyTarget), ofNest: of(appTarget) / of(nestTarget) });
    }

    table(
      ratios.map((ratio, round) => ({
        round: round + 1,
        ...Object.fromEntries(
          targets.map((target) => [
            `${target.name.split(' GET')[0]} req/s`,
            Math.round(results.get(target)?.[round]?.requestsPerSecond ?? NaN),
          ]),
        ),
        'app / Fastify %': Number((ratio.ofFastify * 100).toFixed(1)),
        'app / NestJS %': Number((ratio.ofNest * 100).toFixed(1)),
      })),
    );
    table(
      targets.map((target) => {
        const runs = results.get(target) ?? [];
        return {
          route: target.name,
          'median req/s': Math.round(median(runs.map((r) => r.requestsPerSecond))),
          'median p50 ms': median(runs.map((r) => r.latencyP50Ms)),
          'median p99 ms': median(runs.map((r) => r.latencyP99Ms)),
          'median CPU µs/req': Math.round(median(runs.map((r) => r.cpuMicrosPerRequest))),
          'of it system µs/req': Math.round(median(runs.map((r) => r.systemMicrosPerRequest))),
        };
      }),
    );
    const ratio = median(ratios.map((r) => r.ofFastify));
    const ratioOfNest = median(ratios.map((r) => r.ofNest));
    const appCpu = median((results.get(appTarget) ?? []).map((r) => r.cpuMicrosPerRequest));
    const fastifyCpu = median((results.get(fastifyTarget) ?? []).map((r) => r.cpuMicrosPerRequest));
    console.log(
      `auth/verify throughput = ${(ratio * 100).toFixed(1)} % of bare Fastify, ${(ratioOfNest * 100).toFixed(1)} % of bare NestJS ` +
        `(median of ${rounds} alternating rounds; per round: ${ratios.map((r) => (r.ofFastify * 100).toFixed(1)).join(' / ')} % of Fastify; ` +
        `${seconds} s per run, ${connections} connections, loopback)`,
    );
    console.log(
      `CPU per request (this process, median): app ${Math.round(appCpu)} µs, bare Fastify ${Math.round(fastifyCpu)} µs ` +
        `(${((fastifyCpu / appCpu) * 100).toFixed(1)} %); idle CPU of this process without load: ${idleCpuMsPerSecond.toFixed(1)} ms/s`,
    );
    return {
      verifyRps: median((results.get(appTarget) ?? []).map((r) => r.requestsPerSecond)),
      bareRps: median((results.get(fastifyTarget) ?? []).map((r) => r.requestsPerSecond)),
      bareNestRps: median((results.get(nestTarget) ?? []).map((r) => r.requestsPerSecond)),
      ratio,
      ratioOfNest,
      appCpuMicrosPerRequest: appCpu,
      bareCpuMicrosPerRequest: fastifyCpu,
    };
  } finally {
    await bare.close();
    await bareNest.close();
    await app.close();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One load run against `target`, with this process's CPU during it; any non-2xx answer fails the benchmark. */
async function run(target: Target, seconds: number, connections: number): Promise<RunResult> {
  const cpuBefore = process.cpuUsage();
  const load = await autocannon(target.url, { seconds, connections, headers: target.headers });
  const cpu = process.cpuUsage(cpuBefore);
  if (load.non2xx > 0 || load.errors > 0)
    throw new Error(`${target.name} answered ${load.non2xx} non-2xx and ${load.errors} errors`);
  return {
    requestsPerSecond: load.requestsPerSecond,
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / (load.requestsPerSecond * seconds),
    systemMicrosPerRequest: cpu.system / (load.requestsPerSecond * seconds),
  };
}

/** This process's CPU in ms per second of wall time while no load is sent (the app's background work). */
async function idleCpu(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000 / (ms / 1000);
}

type Recording = { stop(dir: string, label: string): Promise<string> };

/**
 * Starts one of V8's profilers in this process through the inspector: `start` are the calls that begin it, `stop`
 * the one that returns its profile, which stop() writes into `dir` as `auth-verify-<label>-<time>.<extension>`.
 */
async function startRecording(start: Array<[string, object?]>, stop: string, extension: string): Promise<Recording> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  for (const [method, params] of start) await post(method, params);
  return {
    async stop(dir: string, label: string): Promise<string> {
      const { profile } = (await post(stop)) as { profile: object };
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `auth-verify-${label}-${Date.now()}.${extension}`);
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
}

/** The CPU profiler, sampling every 100 µs. */
function startCpuProfile(): Promise<Recording> {
  return startRecording(
    [['Profiler.enable'], ['Profiler.setSamplingInterval', { interval: 100 }], ['Profiler.start']],
    'Profiler.stop',
    'cpuprofile',
  );
}

/**
 * BENCH_HEAP_PROFILE=<dir>: V8's sampling heap profiler during the app's run of the last round, keeping the
 * objects that only a major GC freed (includeObjectsCollectedByMajorGC): what survived the young generation,
 * which is where GC time goes when short-lived request objects are promoted. Open it in Chrome DevTools.
 */
function startHeapProfile(): Promise<Recording> {
  return startRecording(
    [
      ['HeapProfiler.enable'],
      ['HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true }],
    ],
    'HeapProfiler.stopSampling',
    'heapprofile',
  );
}
