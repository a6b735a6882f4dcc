import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { HELMET_OPTIONS } from '../../src/app.factory';
import { loginToken, startTestApp, TestApp } from '../support/app';

interface Route {
  method: string;
  path: string;
}

const PUBLIC_ROUTES = new Set([
  'GET /',
  'GET /health',
  'GET /health/ready',
  'POST /auth/login',
  // The dashboard's page and code: no data in them, every data call needs the token.
  'GET /ui',
  'GET /ui/:file',
]);

/** Every route Nest registered, read from controller metadata (independent of the OpenAPI document). */
function registeredRoutes(app: TestApp['app']): Route[] {
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const path = `/${[base, sub]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        routes.push({ method: RequestMethod[method], path });
      }
    }
  }
  return routes;
}

describe('API surface', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp();
  });
  afterAll(() => ctx.close());

  it('should list every registered route in /docs-json, with bearer security on protected ones', async () => {
    const document = (await (await fetch(`${ctx.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const routes = registeredRoutes(ctx.app);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(document.components.securitySchemes).toHaveProperty('bearer');
    for (const route of routes) {
      const openApiPath = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const operation = document.paths[openApiPath]?.[route.method.toLowerCase()];
      expect({ route, documented: operation !== undefined }).toEqual({ route, documented: true });
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      const isPublic = PUBLIC_ROUTES.has(`${route.method} ${route.path}`);
      expect({ route, secured: (operation.security?.length ?? 0) > 0 }).toEqual({ route, secured: !isPublic });
    }
  });

  it('should refuse every protected route without a token (401 in the error shape)', async () => {
    for (const route of registeredRoutes(ctx.app)) {
      if (PUBLIC_ROUTES.has(`${route.method} ${route.path}`)) continue;
      const url = `${ctx.baseUrl}${route.path.replace(/:([A-Za-z0-9_]+)/g, 'BTCUSDT')}`;
      const response = await fetch(url, {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        body: route.method === 'GET' ? undefined : '{}',
      });
      expect({ route, status: response.status }).toEqual({ route, status: 401 });
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(body.traceId).toBe(response.headers.get('x-trace-id'));
    }
  });

  it('should serve the public routes and the Swagger UI without a token', async () => {
    for (const path of ['/', '/health', '/health/ready', '/docs', '/docs-json']) {
      const response = await fetch(`${ctx.baseUrl}${path}`);
      const detail = response.status === 200 ? '' : await response.text();
      expect({ path, status: response.status, detail }).toEqual({ path, status: 200, detail: '' });
    }
  });

  it('should send security headers and honour CORS_ORIGINS', async () => {
    const allowed = await fetch(`${ctx.baseUrl}/`, { headers: { origin: 'http://localhost:3000' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(allowed.headers.get('content-security-policy')).toContain("default-src 'self'");
    const other = await fetch(`${ctx.baseUrl}/`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("should send exactly @fastify/helmet's security headers on every kind of response", async () => {
    // The reference: what @fastify/helmet itself adds, with the app's options, to a plain Fastify response.
    const answer = async (withHelmet: boolean): Promise<Record<string, string>> => {
      const scratch = Fastify();
      if (withHelmet) await scratch.register(fastifyHelmet, HELMET_OPTIONS);
      scratch.get('/', () => 'ok');
      const response = await scratch.inject({ method: 'GET', url: '/' });
      await scratch.close();
      return Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)]));
    };
    const [plain, helmeted] = await Promise.all([answer(false), answer(true)]);
    const expected = Object.fromEntries(Object.entries(helmeted).filter(([name]) => !(name in plain)));
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(['content-security-policy', 'x-frame-options']));
    // Headers the app sends besides helmet's (CORS has its own test above).
    const other =
      /^(x-trace-id|content-type|content-length|date|connection|keep-alive|cache-control|etag|vary|last-modified|accept-ranges|retry-after|access-control-.*)$/;

    const token = await loginToken(ctx.baseUrl);
    const requests: Array<[string, RequestInit?]> = [
      ['/'],
      ['/auth/verify', { headers: { authorization: `Bearer ${token}` } }],
      ['/auth/verify'], // 401 from the guard
      ['/nowhere'], // 404
      ['/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":' }],
      ['/health'],
      ['/docs'],
      ['/docs-json'],
      ['/ui'],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(`${ctx.baseUrl}${path}`, init);
      await response.arrayBuffer();
      const sent = Object.fromEntries(response.headers.entries());
      const security = Object.fromEntries(Object.entries(sent).filter(([name]) => !other.test(name)));
      expect({ path, status: response.status, security }).toEqual({
        path,
        status: response.status,
        security: expected,
      });
    }
  });

  it('should answer a malformed JSON body and unknown fields with 400, never 500', async () => {
    const malformed = await fetch(`${ctx.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"password":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const unknown = await fetch(`${ctx.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'x', admin: true }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain('admin');
    const notFound = await fetch(`${ctx.baseUrl}/no/such/route`, {
      headers: { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` },
    });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
