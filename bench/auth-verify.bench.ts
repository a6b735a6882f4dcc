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

/**
 * GET /auth/verify with a valid JWT through the whole stack (helmet, CORS, trace id + CLS, pino request log to
 * file, JWT guard with the password-version check, validation, serialisation) versus a bare Fastify route
 * returning a similar body and a bare NestJS-on-Fastify route (the framework alone), measured one after the other
 * in the same run on loopback.
 */
export async function authVerifyBench(seconds = 10, connections = 50): Promise<Record<string, number>> {
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
    // Warm both servers up before measuring.
    await autocannon(bareUrl, { seconds: 1, connections });
    await autocannon(`${appUrl}/auth/verify`, {
      seconds: 1,
      connections,
      headers: { authorization: `Bearer ${token}` },
    });
    const baseline = await autocannon(bareUrl, { seconds, connections });
    const framework = await autocannon(bareNestUrl, { seconds, connections });
    // BENCH_CPU_PROFILE=<dir>: a CPU profile of this process during the /auth/verify run only (node:inspector).
    const profiling = process.env.BENCH_CPU_PROFILE ? await startCpuProfile() : undefined;
    const cpuBefore = process.cpuUsage();
    const verify = await autocannon(`${appUrl}/auth/verify`, {
      seconds,
      connections,
      headers: { authorization: `Bearer ${token}` },
    });
    const cpu = process.cpuUsage(cpuBefore);
    if (profiling && process.env.BENCH_CPU_PROFILE) {
      const path = await profiling.stop(process.env.BENCH_CPU_PROFILE);
      console.log(`CPU profile of the /auth/verify run: ${path}`);
    }
    const requests = verify.requestsPerSecond * seconds;
    console.log(
      `process CPU during the /auth/verify run: ${Math.round((cpu.user + cpu.system) / requests)} µs per request ` +
        '(this process also runs the in-process simulator and the idle bare servers)',
    );
    if (verify.non2xx > 0 || verify.errors > 0)
      throw new Error(`verify answered ${verify.non2xx} non-2xx and ${verify.errors} errors`);
    table([
      {
        route: 'bare Fastify GET /verify',
        'req/s': Math.round(baseline.requestsPerSecond),
        'p50 ms': baseline.latencyP50Ms,
        'p99 ms': baseline.latencyP99Ms,
      },
      {
        route: 'bare NestJS on Fastify GET /verify',
        'req/s': Math.round(framework.requestsPerSecond),
        'p50 ms': framework.latencyP50Ms,
        'p99 ms': framework.latencyP99Ms,
      },
      {
        route: 'app GET /auth/verify (JWT)',
        'req/s': Math.round(verify.requestsPerSecond),
        'p50 ms': verify.latencyP50Ms,
        'p99 ms': verify.latencyP99Ms,
      },
    ]);
    const ratio = verify.requestsPerSecond / baseline.requestsPerSecond;
    console.log(
      `auth/verify throughput = ${(ratio * 100).toFixed(1)} % of bare Fastify, ${((verify.requestsPerSecond / framework.requestsPerSecond) * 100).toFixed(1)} % of bare NestJS (${seconds} s, ${connections} connections, loopback)`,
    );
    return {
      verifyRps: verify.requestsPerSecond,
      bareRps: baseline.requestsPerSecond,
      bareNestRps: framework.requestsPerSecond,
      ratio,
    };
  } finally {
    await bare.close();
    await bareNest.close();
    await app.close();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the V8 profiler in this process; stop() writes the profile into `dir` and returns its path. */
async function startCpuProfile(): Promise<{ stop(dir: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  return {
    async stop(dir: string): Promise<string> {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `auth-verify-${Date.now()}.cpuprofile`);
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
}
