import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** Runs autocannon in its own process (so it does not share the server's event loop) against a loopback URL. */
export function autocannon(
  url: string,
  options: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url))
    throw new Error(`benchmarks target loopback only, not ${url}`);
  const args = [
    require.resolve('autocannon/autocannon'),
    '--json',
    '-d',
    String(options.seconds),
    '-c',
    String(options.connections),
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out) as {
        requests: { average: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
      };
      resolve({
        requestsPerSecond: result.requests.average,
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
  });
}

export const REPO_ROOT = join(__dirname, '..');

export function table(rows: Array<Record<string, string | number>>): void {
  console.table(rows);
}

/** A free loopback port, asked of the OS (random ports collide with the ones benchmarks already hold). */
export function freePort(): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createServer } = require('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface V5Credentials {
  readonly key: string;
  readonly secret: string;
  readonly recvWindow: string;
}

/**
 * POST /v5/order/create signed by hand (BYBIT.md §2: hex HMAC-SHA256(secret, timestamp + key + recvWindow + body)) on a
 * keep-alive agent: the raw reference the bot's order path is compared with. Resolves true when the order was accepted.
 */
export function rawOrderSender(
  restUrl: string,
  credentials: V5Credentials,
): { send: (order: object) => Promise<boolean>; agent: Agent } {
  const url = new URL(`${restUrl}/v5/order/create`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (order: object) =>
    new Promise<boolean>((resolve, reject) => {
      const body = JSON.stringify(order);
      const timestamp = String(Date.now());
      const sign = createHmac('sha256', credentials.secret)
        .update(`${timestamp}${credentials.key}${credentials.recvWindow}${body}`)
        .digest('hex');
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'X-BAPI-API-KEY': credentials.key,
            'X-BAPI-TIMESTAMP': timestamp,
            'X-BAPI-RECV-WINDOW': credentials.recvWindow,
            'X-BAPI-SIGN': sign,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            try {
              const envelope = JSON.parse(text) as { retCode: number; result?: { orderId?: string } };
              resolve(res.statusCode === 200 && envelope.retCode === 0 && typeof envelope.result?.orderId === 'string');
            } catch {
              resolve(false);
            }
          });
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  return { send, agent };
}
