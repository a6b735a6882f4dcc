import 'reflect-metadata';
import {
  Body,
  CallHandler,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  InternalServerErrorException,
  Logger as NestLogger,
  Module,
  NestInterceptor,
  Post,
  UnauthorizedException,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ClsServiceManager } from 'nestjs-cls';
import { Logger } from 'nestjs-pino';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Observable, tap } from 'rxjs';
import { loadAppConfig } from '../../src/infra/config/app-config';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { utcDate } from '../../src/infra/logging/daily-file-stream';
import { LoggingModule } from '../../src/infra/logging/logging.module';
import { currentTraceId, withTrace } from '../../src/infra/tracing/trace-context';
import { registerTraceHooks, traceIdFromRequest } from '../../src/infra/tracing/trace-hooks';
import { TracingModule } from '../../src/infra/tracing/tracing.module';
import { waitFor } from '../support/wait-for';

type Seen = Record<string, string | undefined>;

/** What each stage of the Nest pipeline saw as the current trace id; read back by the test. */
const seenByRequest = new Map<string, Seen>();
function record(marker: string | undefined, stage: string): void {
  if (marker === undefined) return;
  const seen = seenByRequest.get(marker) ?? {};
  seen[stage] = currentTraceId();
  seenByRequest.set(marker, seen);
}
const markerOf = (ctx: ExecutionContext): string | undefined =>
  ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-probe'];

@Injectable()
class ProbeGuard implements CanActivate {
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    record(markerOf(ctx), 'guard');
    await sleep(1);
    record(markerOf(ctx), 'guardAfterAwait');
    if (ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-deny']) {
      throw new UnauthorizedException();
    }
    return true;
  }
}

@Injectable()
class ProbeInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const marker = markerOf(ctx);
    record(marker, 'interceptor');
    return next.handle().pipe(tap(() => record(marker, 'interceptorAfter')));
  }
}

@Injectable()
class ProbeService {
  private readonly logger = new NestLogger(ProbeService.name);

  async work(marker: string | undefined): Promise<string | undefined> {
    record(marker, 'service');
    await sleep(5);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    record(marker, 'serviceAfterTimers');
    this.logger.log({ marker, authorization: 'Bearer leaked-in-a-log-call' }, 'probe work done');
    return withTrace('probe.span', async () => {
      await sleep(1);
      return currentTraceId();
    });
  }
}

@Controller('probe')
@UseGuards(ProbeGuard)
@UseInterceptors(ProbeInterceptor)
class ProbeController {
  constructor(private readonly service: ProbeService) {}

  @Get()
  async get(): Promise<{ traceId?: string; inSpan?: string }> {
    return { traceId: currentTraceId(), inSpan: await this.service.work(undefined) };
  }

  @Post()
  async post(@Body() body: { marker: string }): Promise<{ traceId?: string; inSpan?: string }> {
    record(body.marker, 'controller');
    const inSpan = await this.service.work(body.marker);
    return { traceId: currentTraceId(), inSpan };
  }

  @Get('boom')
  boom(): never {
    throw new InternalServerErrorException('probe failure');
  }
}

/**
 * Only the tracing and logging modules, wired as app.factory.ts wires them, with a guard, an interceptor and a
 * service that awaits timers: checks the trace context reaches every stage of Nest's pipeline on Fastify.
 */
async function startProbeApp(logDir: string): Promise<{ app: NestFastifyApplication; baseUrl: string }> {
  const config = loadAppConfig(
    { DATA_DIR: join(logDir, '..', 'data'), LOG_DIR: logDir, LOG_LEVEL: 'debug', LOG_STDOUT: 'false' },
    { dotenvPath: false },
  );
  @Module({
    imports: [TracingModule, LoggingModule.forRoot(config)],
    controllers: [ProbeController],
    providers: [ProbeService, ProbeGuard, ProbeInterceptor],
  })
  class ProbeModule {}

  const adapter = new FastifyAdapter({ genReqId: traceIdFromRequest });
  registerTraceHooks(adapter.getInstance());
  // Simulates a plugin or stream that loses the async context between the middleware and the handler.
  adapter.getInstance().addHook('preValidation', (request, _reply, done) => {
    if (request.headers['x-drop-context'] === undefined) return done();
    ClsServiceManager.getClsService().exit(() => done());
  });
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

interface LogLine {
  readonly level: string;
  readonly msg?: string;
  readonly trace_id?: string;
  readonly span?: string;
  readonly [key: string]: unknown;
}

function readLines(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LogLine);
}

/** File writes are asynchronous (SonicBoom): poll until the expected lines are there. */
async function waitForLines(
  path: string,
  predicate: (lines: LogLine[]) => boolean,
  timeoutMs = 5000,
): Promise<LogLine[]> {
  return waitFor(() => readLines(path), { until: predicate, timeoutMs, intervalMs: 25, what: `log lines in ${path}` });
}

describe('Tracing and logging on Fastify (probe app)', () => {
  let root: string;
  let logDir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  const logFile = () => join(logDir, `bot_${utcDate(Date.now())}.log`);
  const errorFile = () => join(logDir, `bot_errors_${utcDate(Date.now())}.log`);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tracing-e2e-'));
    logDir = join(root, 'logs');
    ({ app, baseUrl } = await startProbeApp(logDir));
  });

  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('should keep the trace id through guard, interceptor, controller, service, timers and spans when the request has a body', async () => {
    const response = await fetch(`${baseUrl}/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace-id': 'post-body-1', 'x-probe': 'm1' },
      body: JSON.stringify({ marker: 'm1' }),
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-trace-id')).toBe('post-body-1');
    expect(await response.json()).toEqual({ traceId: 'post-body-1', inSpan: 'post-body-1' });
    expect(seenByRequest.get('m1')).toEqual({
      guard: 'post-body-1',
      guardAfterAwait: 'post-body-1',
      interceptor: 'post-body-1',
      controller: 'post-body-1',
      service: 'post-body-1',
      serviceAfterTimers: 'post-body-1',
      interceptorAfter: 'post-body-1',
    });
  });

  it('should keep the trace id when the body arrives in chunks after the headers', async () => {
    const json = JSON.stringify({ marker: 'm-slow', padding: 'x'.repeat(64 * 1024) });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        // Headers first, then the body in pieces on later socket reads: Fastify parses it from stream events.
        for (let i = 0; i < json.length; i += 16 * 1024) {
          await sleep(20);
          controller.enqueue(encoder.encode(json.slice(i, i + 16 * 1024)));
        }
        controller.close();
      },
    });

    const response = await fetch(`${baseUrl}/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace-id': 'slow-body-1', 'x-probe': 'm-slow' },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ traceId: 'slow-body-1', inSpan: 'slow-body-1' });
    expect(new Set(Object.values(seenByRequest.get('m-slow') ?? {}))).toEqual(new Set(['slow-body-1']));
  });

  it('should restore the trace context for the handler when something before it lost the context', async () => {
    const response = await fetch(`${baseUrl}/probe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-trace-id': 'dropped-1',
        'x-probe': 'm-drop',
        'x-drop-context': '1',
      },
      body: JSON.stringify({ marker: 'm-drop' }),
    });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ traceId: 'dropped-1', inSpan: 'dropped-1' });
    expect(new Set(Object.values(seenByRequest.get('m-drop') ?? {}))).toEqual(new Set(['dropped-1']));
  });

  it('should not mix trace ids of concurrent requests', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);

    const bodies = await Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`${baseUrl}/probe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-trace-id': id, 'x-probe': id },
          body: JSON.stringify({ marker: id }),
        });
        return (await response.json()) as { traceId?: string };
      }),
    );

    expect(bodies.map((b) => b.traceId)).toEqual(ids);
    for (const id of ids) expect(new Set(Object.values(seenByRequest.get(id) ?? {}))).toEqual(new Set([id]));
  });

  it('should write the request lines with trace_id and span to the daily file, without secrets', async () => {
    const response = await fetch(`${baseUrl}/probe`, {
      headers: { 'x-trace-id': 'log-lines-1', authorization: 'Bearer top-secret-token' },
    });
    expect(response.status).toBe(200);

    const lines = await waitForLines(logFile(), (all) =>
      all.some((l) => l.trace_id === 'log-lines-1' && l.statusCode === 200),
    );
    const mine = lines.filter((l) => l.trace_id === 'log-lines-1');
    expect(mine.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['probe work done', 'span started', 'span finished', 'GET /probe 200']),
    );
    expect(mine.find((l) => l.msg === 'span finished')).toMatchObject({
      span: 'probe.span',
      duration_ms: expect.any(Number),
    });
    expect(mine.find((l) => l.msg === 'GET /probe 200')).toMatchObject({
      level: 'info',
      method: 'GET',
      url: '/probe',
      statusCode: 200,
      responseTime: expect.any(Number),
    });
    expect(mine.find((l) => l.msg === 'probe work done')).toMatchObject({ authorization: '[REDACTED]' });
    const raw = readFileSync(logFile(), 'utf8');
    expect(raw).not.toContain('top-secret-token');
    expect(raw).not.toContain('leaked-in-a-log-call');
    for (const line of raw.split('\n').filter(Boolean)) {
      expect(line.match(/"trace_id":/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
  });

  it('should set X-Trace-Id on a 404, a guard rejection and a 500, and log the 500 to the errors file', async () => {
    const notFound = await fetch(`${baseUrl}/nowhere`, { headers: { 'x-trace-id': 'nf-1' } });
    const denied = await fetch(`${baseUrl}/probe`, { headers: { 'x-trace-id': 'denied-1', 'x-deny': '1' } });
    const failed = await fetch(`${baseUrl}/probe/boom`, { headers: { 'x-trace-id': 'boom-1' } });

    expect([notFound.status, denied.status, failed.status]).toEqual([404, 401, 500]);
    expect([notFound, denied, failed].map((r) => r.headers.get('x-trace-id'))).toEqual(['nf-1', 'denied-1', 'boom-1']);
    const errors = await waitForLines(errorFile(), (all) => all.some((l) => l.trace_id === 'boom-1'));
    expect(errors.every((l) => l.level === 'error' || l.level === 'fatal')).toBe(true);
    expect(errors.some((l) => l.trace_id === 'denied-1' || l.trace_id === 'nf-1')).toBe(false);
  });
});

describe('Tracing and logging in the whole app', () => {
  let sut: TestApp;
  const logFile = () => join(sut.config.logging.dir, `bot_${utcDate(Date.now())}.log`);
  const errorFile = () => join(sut.config.logging.dir, `bot_errors_${utcDate(Date.now())}.log`);

  beforeAll(async () => {
    sut = await startTestApp({ LOG_LEVEL: 'debug' });
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('should echo X-Trace-Id and log the request under that trace id', async () => {
    const response = await fetch(`${sut.baseUrl}/`, { headers: { 'X-Trace-Id': 'abc-123' } });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-trace-id')).toBe('abc-123');
    const lines = await waitForLines(logFile(), (all) =>
      all.some((l) => l.trace_id === 'abc-123' && l.statusCode === 200),
    );
    expect(lines.find((l) => l.trace_id === 'abc-123' && l.statusCode === 200)).toMatchObject({
      level: 'info',
      method: 'GET',
      url: '/',
      responseTime: expect.any(Number),
    });
  });

  it('should use the trace-id of a W3C traceparent', async () => {
    const response = await fetch(`${sut.baseUrl}/`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });

    expect(response.headers.get('x-trace-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('should generate a 32-hex trace id when the request has none', async () => {
    const response = await fetch(`${sut.baseUrl}/`);

    const traceId = response.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await waitForLines(logFile(), (all) => all.some((l) => l.trace_id === traceId));
  });

  it('should set X-Trace-Id on a 401 from the JWT guard and on a 404', async () => {
    const unauthorized = await fetch(`${sut.baseUrl}/bot/status`, { headers: { 'x-trace-id': 'no-token-1' } });
    const notFound = await fetch(`${sut.baseUrl}/no/such/route`, { headers: { 'x-trace-id': 'not-found-1' } });

    expect([unauthorized.status, notFound.status]).toEqual([401, 404]);
    expect([unauthorized.headers.get('x-trace-id'), notFound.headers.get('x-trace-id')]).toEqual([
      'no-token-1',
      'not-found-1',
    ]);
    await waitForLines(logFile(), (all) =>
      ['no-token-1', 'not-found-1'].every((id) =>
        all.some((l) => l.trace_id === id && typeof l.statusCode === 'number'),
      ),
    );
  });

  it('should never write a bearer token or a submitted password to the log file', async () => {
    const token = await loginToken(sut.baseUrl);
    const wrongPassword = 'wrong-password-never-logged';
    await fetch(`${sut.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace-id': 'bad-login-1' },
      body: JSON.stringify({ password: wrongPassword }),
    });
    const authorized = await fetch(`${sut.baseUrl}/bot/status`, {
      headers: { authorization: `Bearer ${token}`, 'x-trace-id': 'with-token-1' },
    });

    expect(authorized.status).toBe(200);
    await waitForLines(logFile(), (all) =>
      ['bad-login-1', 'with-token-1'].every((id) =>
        all.some((l) => l.trace_id === id && typeof l.statusCode === 'number'),
      ),
    );
    const raw = readFileSync(logFile(), 'utf8');
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(wrongPassword);
  });

  it('should write error lines, with their trace id, to the errors file as well', async () => {
    // How application code logs: Nest's Logger with a context, routed to nestjs-pino by app.useLogger().
    const logger = new NestLogger('E2E');

    await withTrace('e2e.failing-operation', async () => logger.error({ reason: 'e2e check' }, 'operation failed'));
    logger.warn('a warning stays out of the errors file');

    const errors = await waitForLines(errorFile(), (all) => all.some((l) => l.msg === 'operation failed'));
    expect(errors.find((l) => l.msg === 'operation failed')).toMatchObject({
      level: 'error',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span: 'e2e.failing-operation',
    });
    expect(errors.every((l) => l.level === 'error' || l.level === 'fatal')).toBe(true);
    await waitForLines(logFile(), (all) => all.some((l) => l.msg === 'operation failed'));
  });
});
