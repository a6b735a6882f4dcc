import { Body, CanActivate, Controller, Delete, ExecutionContext, HttpCode, Injectable, Post } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../src/common/domain-error';
import { IdempotencyCacheEntity } from '../../../src/idempotency/idempotency-cache.entity';
import { IdempotencyInterceptor } from '../../../src/idempotency/idempotency.interceptor';
import { IdempotencyModule } from '../../../src/idempotency/idempotency.module';
import { ConfigModule } from '../../../src/infra/config/config.module';
import type { AppConfig } from '../../../src/infra/config/app-config';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { DomainExceptionFilter } from '../../../src/infra/http/domain-exception.filter';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * Real: IdempotencyModule as the app registers it (global interceptor, service, repository), the app's exception
 * filter, Fastify, PostgreSQL with every migration. Faked: the routes (a probe controller whose runs are counted
 * and whose failures are scripted) and authentication (a guard taking the principal from `x-principal`).
 */

class ProbeError extends DomainError<'PROBE_CONFLICT'> {
  constructor() {
    super('PROBE_CONFLICT', 'CONFLICT', 'changed concurrently; retry');
  }
}

/** What the probe routes do next; reset before each test. */
const script = {
  runs: 0,
  failures: [] as Array<'crash' | 'conflict'>,
  gate: Promise.resolve(),
};

@Controller('probe')
class ProbeController {
  @Post('run')
  @HttpCode(201)
  async run(@Body() body: unknown): Promise<{ run: number; body: unknown }> {
    script.runs += 1;
    const run = script.runs;
    await script.gate;
    const failure = script.failures.shift();
    if (failure === 'crash') throw new Error('simulated crash');
    if (failure === 'conflict') throw new ProbeError();
    return { run, body };
  }

  @Delete('run')
  @HttpCode(204)
  remove(): void {
    script.runs += 1;
  }
}

@Injectable()
class HeaderPrincipalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: { sub: string } }>();
    const principal = request.headers['x-principal'];
    if (typeof principal === 'string') request.user = { sub: principal };
    return true;
  }
}

describe(IdempotencyInterceptor.name, () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ idempotency: { ttlMinutes: 60 } } as AppConfig),
        TypeOrmModule.forRoot({ ...dataSourceOptions(db.url, 4), entities: [IdempotencyCacheEntity] }),
        IdempotencyModule,
      ],
      controllers: [ProbeController],
      providers: [
        { provide: APP_GUARD, useClass: HeaderPrincipalGuard },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  beforeEach(() => {
    script.runs = 0;
    script.failures = [];
    script.gate = Promise.resolve();
  });

  const send = async (
    key: string,
    options: { method?: 'POST' | 'DELETE'; body?: unknown; principal?: string } = {},
  ) => {
    const response = await app.inject({
      method: options.method ?? 'POST',
      url: '/probe/run',
      headers: { 'idempotency-key': key, ...(options.principal ? { 'x-principal': options.principal } : {}) },
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
    return {
      status: response.statusCode,
      replayed: response.headers['idempotent-replayed'],
      retryAfter: response.headers['retry-after'],
      body: response.body,
    };
  };

  it('should run the handler once and replay its status and body', async () => {
    const key = randomUUID();

    const first = await send(key, { body: { qty: '1' } });
    const second = await send(key, { body: { qty: '1' } });

    expect(first).toMatchObject({
      status: 201,
      replayed: undefined,
      body: JSON.stringify({ run: 1, body: { qty: '1' } }),
    });
    expect(second).toMatchObject({ status: 201, replayed: 'true', body: first.body });
    expect(script.runs).toBe(1);
  });

  it('should replay an empty 204 as empty', async () => {
    const key = randomUUID();

    const first = await send(key, { method: 'DELETE' });
    const second = await send(key, { method: 'DELETE' });

    expect([first, second]).toMatchObject([
      { status: 204, body: '' },
      { status: 204, body: '', replayed: 'true' },
    ]);
    expect(script.runs).toBe(1);
  });

  it('should answer 409 with Retry-After: 1 to a retry that arrives while the first request runs', async () => {
    const key = randomUUID();
    let open!: () => void;
    script.gate = new Promise((resolve) => (open = resolve));

    const first = send(key);
    while (script.runs === 0) await new Promise((resolve) => setImmediate(resolve));
    const concurrent = await send(key);
    open();

    expect(concurrent).toMatchObject({ status: 409, retryAfter: '1' });
    expect(JSON.parse(concurrent.body)).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
    expect((await first).status).toBe(201);
    expect((await send(key)).replayed).toBe('true');
    expect(script.runs).toBe(1);
  });

  it.each([
    ['a 5xx', 'crash', 500],
    ['a thrown conflict, which asks the client to retry', 'conflict', 409],
  ] as const)('should release the key after %s so that a retry runs the handler again', async (_, failure, status) => {
    const key = randomUUID();
    script.failures = [failure];

    const failed = await send(key);
    const retried = await send(key);

    expect(failed.status).toBe(status);
    expect(retried).toMatchObject({ status: 201, replayed: undefined, body: JSON.stringify({ run: 2 }) });
    expect(script.runs).toBe(2);
  });

  it("should keep one principal's key apart from the same key of another", async () => {
    const key = randomUUID();

    const alice = await send(key, { principal: 'alice', body: { a: 1 } });
    const bob = await send(key, { principal: 'bob', body: { b: 2 } });

    expect([alice.status, bob.status, bob.replayed]).toEqual([201, 201, undefined]);
    expect(script.runs).toBe(2);
  });
});
