import type { TestApp } from '../support/app';

/** Loopback helpers shared by the realtime reliability specs: the simulator's control routes and readiness. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function simPost(ctx: TestApp, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${ctx.config.simulator.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export interface Readiness {
  readonly status: number;
  readonly details: Record<string, Record<string, unknown>>;
}

export async function readiness(ctx: TestApp): Promise<Readiness> {
  const response = await fetch(`${ctx.baseUrl}/health/ready`);
  const body = (await response.json()) as { details?: Record<string, Record<string, unknown>> };
  return { status: response.status, details: body.details ?? {} };
}

/** Per symbol: `fresh`, `resyncing`, `stale`, `crossed` or `no-data`, as /health/ready reports it. */
export async function bookStates(ctx: TestApp): Promise<Record<string, string>> {
  const { orderbooks } = (await readiness(ctx)).details;
  const states: Record<string, string> = {};
  for (const symbol of ctx.config.trading.pairs) states[symbol] = String(orderbooks?.[symbol] ?? 'no-data');
  return states;
}

/** Milliseconds until every configured book is `fresh` again; throws with the last states after `boundMs`. */
export async function timeUntilAllFresh(ctx: TestApp, boundMs: number): Promise<number> {
  const started = Date.now();
  let states: Record<string, string> = {};
  while (Date.now() - started <= boundMs) {
    states = await bookStates(ctx);
    if (Object.values(states).every((s) => s === 'fresh')) return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`books not all fresh within ${boundMs} ms: ${JSON.stringify(states)}`);
}
