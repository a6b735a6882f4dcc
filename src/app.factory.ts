import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './infra/config/app-config';
import { SERVICE_NAME, SERVICE_VERSION } from './infra/config/service-info';
import { withQuietStartup } from './infra/logging/startup-noise';
import securityHeaders from './infra/security/security-headers.plugin';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { registerJsonBodyParser } from './infra/http/json-body';
import { registerTraceHooks, traceIdFromRequest } from './infra/tracing/trace-hooks';
import { applyHeapTuning } from './infra/runtime/heap-tuning';

/** Swagger UI; /docs-json and /docs-yaml beside it. Not Nest routes, so the global JWT guard does not apply. */
export const DOCS_PATH = 'docs';

/** @fastify/helmet's options: the security headers of every response (security-headers.plugin.ts sends them). */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  // Swagger UI needs its inline bootstrap script and styles; everything else is JSON.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
      // Helmet's default would make a browser fetch Swagger UI's scripts over https, which a self-hosted
      // instance on plain HTTP (a LAN host name) does not serve: the docs page stayed blank.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * Builds the fully configured application (not yet listening): Fastify, security headers, CORS, trace ids,
 * pino logging, OpenAPI. main.ts and the e2e tests both use it, so tests exercise the real wiring.
 */
export async function createApp(config: AppConfig, databaseUrl: string): Promise<NestFastifyApplication> {
  // Before anything serves traffic: without it every request's objects end up in the old generation (see there).
  applyHeapTuning();
  const adapter = new FastifyAdapter({
    genReqId: traceIdFromRequest,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // A client that trickles headers or a body is cut (408) instead of holding a socket forever.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      requestTimeout: config.http.requestTimeoutMs,
      headersTimeout: Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs),
      // Node checks the two timeouts above on this period (30 s by default): keep it well under them.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.http.requestTimeoutMs / 4)),
    },
  });
  adapter.getInstance().server.maxConnections = config.http.maxConnections;
  registerJsonBodyParser(adapter.getInstance());
  registerTraceHooks(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false, // registerJsonBodyParser: JSON only, depth-limited
  });
  app.useLogger(withQuietStartup(app.get(Logger)));
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.register(securityHeaders, HELMET_OPTIONS);
  app.enableCors({
    origin: config.auth.corsOrigins.length > 0 ? [...config.auth.corsOrigins] : false,
    credentials: true,
    exposedHeaders: ['X-Trace-Id', 'Retry-After', 'Idempotent-Replayed'],
  });
  setUpOpenApi(app);
  return app;
}

function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(SERVICE_NAME)
      .setDescription(
        'Bybit USDT-perpetual order-book imbalance scalping backend. Authenticate with POST /auth/login, then send `Authorization: Bearer <token>`.',
      )
      .setVersion(SERVICE_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
  });
}
