import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
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
