import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: Record<string, any>;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as is (a string or bytes); an object is JSON-encoded with content-type application/json. */
  readonly body?: string | Buffer | object;
  /** Source address on the loopback (127.0.0.0/8): lets one test speak as many clients. */
  readonly localAddress?: string;
  readonly token?: string;
}

/**
 * node:http rather than fetch: it sends bodies and headers exactly as given (no content-type guessing), and it
 * can choose the source address, which the per-address login throttle keys on.
 */
export function rawRequest(baseUrl: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let payload: string | Buffer | undefined;
  if (options.body !== undefined && typeof options.body === 'object' && !Buffer.isBuffer(options.body)) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else {
    payload = options.body;
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, any>;
          try {
            json = text ? (JSON.parse(text) as Record<string, any>) : {};
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `depth` levels of arrays (`[[[…]]]`): the cheapest depth bomb. */
export function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** `{"a":{"a":…}}` `depth` levels deep, as an object body. */
export function nestedObjects(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/**
 * Samples this process's event-loop delay (the app under test runs in the jest worker's process) while `work`
 * runs; returns its result with the worst delay seen, in milliseconds.
 */
export async function withEventLoopDelay<T>(
  work: () => Promise<T>,
): Promise<{ result: T; maxMs: number; p99Ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await work();
    return { result, maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 };
  } finally {
    histogram.disable();
  }
}
