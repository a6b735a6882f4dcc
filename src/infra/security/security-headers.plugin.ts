import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The headers @fastify/helmet sets with `options`, read once off a request to a scratch Fastify instance that
 * registers it: at the route handler the raw response carries exactly what helmet's hooks set (names in lower
 * case, as Fastify sends all of its headers; HTTP header names are case-insensitive). @fastify/helmet stays the source of the policy; only the per-request work is saved (see below).
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<Readonly<Record<string, string>>> {
  const scratch = Fastify();
  const headers: Record<string, string> = {};
  try {
    await scratch.register(fastifyHelmet, options);
    scratch.get('/', (_request, reply) => {
      for (const name of reply.raw.getHeaderNames()) headers[name] = String(reply.raw.getHeader(name));
      return '';
    });
    await scratch.inject({ method: 'GET', url: '/' });
  } finally {
    await scratch.close();
  }
  return Object.freeze(headers);
}

/**
 * Helmet's security headers on every response, computed once at registration (helmetHeaders) and put on the reply
 * in one call per request. @fastify/helmet registered on the app would call `helmet(options)` again on every
 * request through an async hook, and helmet's middleware writes each header with its own `res.setHeader` (name
 * and value validated, an entry allocated); headers on the raw response also send Fastify's writeHead down
 * Node's slow path, which re-sets every reply header on it. Here they are reply headers like Fastify's own,
 * validated once by Node when the head is written. A route can still override one (`reply.header()` later wins).
 *
 * What this gives up of @fastify/helmet: per-route `helmet` options and CSP nonces (no route uses them), and
 * helmet's removal of X-Powered-By (nothing in this stack sets it). The e2e spec checks every response sends
 * exactly @fastify/helmet's headers and values.
 */
async function securityHeaders(fastify: FastifyInstance, options: FastifyHelmetOptions): Promise<void> {
  const headers = await helmetHeaders(options);
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

export default fp(securityHeaders, { fastify: '5.x', name: 'security-headers' });
