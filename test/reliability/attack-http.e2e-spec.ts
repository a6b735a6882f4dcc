import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { nestedArrays, nestedObjects, rawRequest, RawResponse, withEventLoopDelay } from './http-client';

/*
 * The HTTP half of the attack suite (issue 13, "keep the attacks"): every operation the app documents in
 * /docs-json gets wrong-type, missing, huge, nested and non-JSON bodies, bad path and query parameters, and
 * forged tokens; then the app's database connections are killed under it. The rule: a client's mistake is never
 * a 5xx, and the app serves again after its connections die. Bounded (a few thousand requests, sequential, on
 * loopback) and self-stopping; the figures are printed for the README.
 */
type Schema = { type?: string; properties?: Record<string, Schema>; $ref?: string; required?: string[] };
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: Array<{ name: string; in: string }>;
  readonly body?: Schema;
  readonly secured: boolean;
}

const HUGE = 'x'.repeat(900 * 1024);
/** Readiness is allowed to say 503 (under this load the event loop may be slow): that is a report, not a failure. */
const REPORTS_503 = new Set(['GET /health/ready']);

function operationsOf(document: any): Operation[] {
  const schemas: Record<string, Schema> = document.components?.schemas ?? {};
  const resolve = (s?: Schema): Schema | undefined => (s?.$ref ? schemas[s.$ref.split('/').pop() as string] : s);
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(document.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
        secured: (op.security ?? document.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** Wrong values for one property of the given type. */
function wrongValuesFor(schema: Schema | undefined): unknown[] {
  const common = [
    null,
    JSON.parse(nestedArrays(3)),
    { nested: JSON.parse(nestedObjects(5)) },
    'nul\u0000byte',
    '\ud800',
  ];
  switch (schema?.type) {
    case 'string':
      return [...common, 12345, true, [], {}, 'x'.repeat(100_000)];
    case 'number':
    case 'integer':
      return [...common, 'x', '1e309', -1, 1e308, 1.5, []];
    case 'boolean':
      return [...common, 'true', 0, []];
    default:
      return [...common, 'x', 1, []];
  }
}

function badBodies(schema: Schema | undefined): Array<{ body: string | Buffer; type: string }> {
  const json = (value: unknown) => ({
    body: typeof value === 'string' ? value : JSON.stringify(value),
    type: 'application/json',
  });
  const bodies = [
    json('[]'),
    json('"string"'),
    json('123'),
    json('null'),
    json('{}'),
    json('{"unknown_field":1}'),
    json('{"a":'),
    json(nestedArrays(50_000)),
    json(nestedObjects(20_000)),
    json(`{"huge":"${HUGE}"}`),
    { body: '{"reason":"x"}', type: 'text/plain' },
    { body: 'a=1', type: 'application/x-www-form-urlencoded' },
    { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), type: 'application/json' },
  ];
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    for (const wrong of wrongValuesFor(property)) bodies.push(json({ [name]: wrong }));
    bodies.push(json({ [`${name}\u0000`]: 'x' }));
  }
  return bodies;
}

function withPathParams(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

describe('attack suite: HTTP', () => {
  let ctx: TestApp;
  let token: string;
  const figures = { requests: 0, fiveXx: [] as string[], maxEventLoopP99Ms: 0, maxEventLoopMaxMs: 0 };
  let n = 0;
  /** Each request from its own loopback address, so the per-address login throttle does not hide anything. */
  const send = async (operation: Operation, path: string, options: Parameters<typeof rawRequest>[2]) => {
    n += 1;
    const response = await rawRequest(ctx.baseUrl, path, {
      method: operation.method,
      localAddress: `127.0.${10 + ((n >> 8) % 200)}.${(n % 254) + 1}`,
      ...options,
    });
    figures.requests += 1;
    const label = `${operation.method} ${operation.path}`;
    if (response.status >= 500 && !(response.status === 503 && REPORTS_503.has(label))) {
      figures.fiveXx.push(`${label} ${path.slice(0, 80)} → ${response.status} ${response.text.slice(0, 200)}`);
    }
    return response;
  };

  beforeAll(async () => {
    ctx = await startTestApp({ LOGIN_GLOBAL_MAX_FAILURES: '100000' });
    token = await loginToken(ctx.baseUrl);
  });
  afterAll(async () => {
    process.stdout.write(`attack-http figures: ${JSON.stringify({ ...figures, fiveXx: figures.fiveXx.length })}\n`);
    await ctx?.close();
  });

  it("should answer every documented operation's bad bodies, parameters and forged tokens without a 5xx", async () => {
    const document = (await rawRequest(ctx.baseUrl, '/docs-json')).json;
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(20);
    const secret = ctx.config.auth.secretKey;
    const jwt = new JwtService({ secret });
    const forged = [
      'garbage',
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"operator","pwv":1}').toString('base64url')}.`,
      jwt.sign({ sub: 'operator', pwv: 1 }, { secret: 'another-secret-another-secret-another' }),
      jwt.sign({ sub: 'operator', pwv: 1, exp: Math.floor(Date.now() / 1000) - 10 }, { secret }),
      jwt.sign({ sub: 'operator' }, { secret }),
      jwt.sign({ sub: 'operator', pwv: 999 }, { secret }),
      'x'.repeat(16_000),
    ];
    const accepted: string[] = [];
    const { maxMs, p99Ms } = await withEventLoopDelay(async () => {
      for (const operation of operations) {
        const paths = ['1', 'x', '%00', '..%2F..%2Fetc', 'x'.repeat(2000), '-1', '1e309'].map((v) =>
          withPathParams(operation.path, v),
        );
        const validPath = withPathParams(operation.path, 'BTCUSDT');
        const mutating = operation.method !== 'GET';
        // Bad path parameters.
        if (operation.path.includes('{')) for (const path of paths) await send(operation, path, { token });
        // Bad query parameters.
        for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
          for (const value of ['x', '-1', '%00', '1e309', 'x'.repeat(5000), '']) {
            await send(operation, `${validPath}?${parameter.name}=${value}`, { token });
          }
          await send(operation, `${validPath}?${parameter.name}=1&${parameter.name}=2`, { token });
        }
        await send(operation, `${validPath}?unknown=1&__proto__[x]=1`, { token });
        // Bad bodies, on every operation that takes one (and on the other mutating ones, which take none).
        if (operation.body || mutating) {
          for (const { body, type } of badBodies(operation.body)) {
            const response = await send(operation, validPath, { token, body, headers: { 'content-type': type } });
            if (operation.body && ![400, 401, 403, 413, 415, 429].includes(response.status)) {
              accepted.push(`${operation.method} ${operation.path} ${String(body).slice(0, 60)} → ${response.status}`);
            }
          }
        }
        // Forged tokens on protected operations: always 401, never the handler.
        if (operation.secured) {
          for (const bad of forged) {
            const response: RawResponse = await send(operation, validPath, { token: bad });
            expect(response.status).toBe(401);
          }
        }
      }
    });
    figures.maxEventLoopP99Ms = Math.max(figures.maxEventLoopP99Ms, p99Ms);
    figures.maxEventLoopMaxMs = Math.max(figures.maxEventLoopMaxMs, maxMs);
    expect(figures.fiveXx).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('should serve again, without a 5xx, after its database connections are killed', async () => {
    const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
    await admin.connect();
    const kill = () =>
      admin.query(
        'SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [ctx.database.name],
      );
    const read: Operation = { method: 'GET', path: '/audit', parameters: [], secured: true };
    const write: Operation = { method: 'POST', path: '/trading/kill-switch/activate', parameters: [], secured: true };
    const reset: Operation = { method: 'POST', path: '/trading/kill-switch/reset', parameters: [], secured: true };
    try {
      for (let round = 0; round < 3; round++) {
        const { rows } = await kill();
        expect(rows[0].killed).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 300));
        expect((await send(read, '/audit?limit=1', { token })).status).toBe(200);
        expect((await send(write, write.path, { token, body: { reason: `db kill round ${round}` } })).status).toBe(200);
        expect((await send(reset, reset.path, { token })).status).toBe(200);
      }
    } finally {
      await admin.end();
    }
    expect(figures.fiveXx).toEqual([]);
  });
});
