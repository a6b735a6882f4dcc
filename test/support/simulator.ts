/**
 * Helpers for the specs that talk to the real simulator (src/simulator/simulator-runtime.ts) on a random loopback
 * port: the contract specs (test/contract/) and the exchange client's (test/integration/exchange/); a recorder of
 * the traffic it received; small utilities to read Bybit answers whichever way the SDK delivers them (resolved
 * envelope for HTTP 200, rejected `{code, body}` for other statuses).
 */
import { RunningSimulator, SimulatorOptions, startSimulator } from '../../src/simulator/simulator-runtime';
import type { V5RequestRecord, V5ResponseRecord } from '../../src/simulator/v5/v5-server';

export const SIM_API_KEY = 'contract-api-key';
export const SIM_API_SECRET = 'contract-api-secret';
export const CONTRACT_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] as const;

/** A simulator for one spec file: in memory only, the three contract symbols, fixed credentials. */
export function startContractSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    symbols: [...CONTRACT_SYMBOLS],
    seed: 42,
    apiKey: SIM_API_KEY,
    apiSecret: SIM_API_SECRET,
    ...overrides,
  });
}

/** What a Bybit answer said, from a resolved envelope (HTTP 200) or from bybit-api's rejection `{code, body}`. */
export interface Answer {
  readonly httpStatus: number;
  readonly retCode: number | undefined;
  readonly retMsg: string | undefined;
  readonly result: Record<string, unknown> | undefined;
  readonly rateLimitApi: { remainingRequests: number; maxRequests: number; resetAtTimestamp: number } | undefined;
  readonly headers: Record<string, unknown> | undefined;
  readonly raw: unknown;
}

export async function answerOf(call: Promise<unknown>): Promise<Answer> {
  try {
    const envelope = (await call) as Record<string, unknown>;
    return {
      httpStatus: 200,
      retCode: envelope.retCode as number | undefined,
      retMsg: envelope.retMsg as string | undefined,
      result: envelope.result as Record<string, unknown> | undefined,
      rateLimitApi: envelope.rateLimitApi as Answer['rateLimitApi'],
      headers: undefined,
      raw: envelope,
    };
  } catch (thrown) {
    const error = (thrown ?? {}) as { code?: unknown; body?: unknown; headers?: Record<string, unknown> };
    if (typeof error.code !== 'number') throw thrown; // a network fault or a bug: not an answer
    const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as Record<string, unknown>;
    return {
      httpStatus: error.code,
      retCode: body.retCode as number | undefined,
      retMsg: body.retMsg as string | undefined,
      result: body.result as Record<string, unknown> | undefined,
      rateLimitApi: undefined,
      headers: error.headers,
      raw: thrown,
    };
  }
}

/** `fraction` of `price`, rounded down to a multiple of `tickSize`, written with the tick's decimals. */
export function priceAt(price: string | number, fraction: number, tickSize: string): string {
  const decimals = (tickSize.split('.')[1] ?? '').length;
  const scale = 10 ** decimals;
  const tickUnits = Math.round(Number(tickSize) * scale);
  const units = Math.floor((Number(price) * fraction * scale) / tickUnits) * tickUnits;
  return (units / scale).toFixed(decimals);
}

/** A unique orderLinkId (≤36 chars, [A-Za-z0-9_-]). */
export function linkId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 36);
}

export type { RunningSimulator, SimulatorOptions };

/** A request the simulator received, with its answer once sent (none for a request a timeout fault left hanging). */
export interface RecordedRequest extends V5RequestRecord {
  response?: V5ResponseRecord;
}

/** What clients sent a simulator: HTTP requests, WebSocket messages and connections per stream. */
export interface SimulatorTraffic {
  readonly requests: RecordedRequest[];
  /** Parsed JSON of every message sent on /v5/public/linear, in order. */
  readonly publicMessages: unknown[];
  /** Parsed JSON of every message sent on /v5/private, in order. */
  readonly privateMessages: unknown[];
  readonly publicConnections: number;
  readonly privateConnections: number;
  stop(): void;
}

/** Records the simulator's traffic from now on (its traffic observer), for assertions on what a client sent. */
export function recordTraffic(sim: RunningSimulator): SimulatorTraffic {
  const requests: RecordedRequest[] = [];
  const publicMessages: unknown[] = [];
  const privateMessages: unknown[] = [];
  const connections = { public: 0, private: 0 };
  const byRecord = new Map<V5RequestRecord, RecordedRequest>();
  const stop = sim.control.observe({
    request: (request) => {
      const recorded: RecordedRequest = { ...request };
      byRecord.set(request, recorded);
      requests.push(recorded);
    },
    response: (request, response) => {
      const recorded = byRecord.get(request);
      if (recorded) recorded.response = response;
    },
    wsOpened: (path) => {
      if (path === '/v5/public/linear') connections.public += 1;
      else if (path === '/v5/private') connections.private += 1;
    },
    wsMessage: (path, text) => {
      const message: unknown = JSON.parse(text);
      if (path === '/v5/public/linear') publicMessages.push(message);
      else if (path === '/v5/private') privateMessages.push(message);
    },
  });
  return {
    requests,
    publicMessages,
    privateMessages,
    get publicConnections() {
      return connections.public;
    },
    get privateConnections() {
      return connections.private;
    },
    stop,
  };
}
