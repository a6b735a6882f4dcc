import { currentToken, endSession, startSession } from './session';

/** An API answer other than 2xx: the server's own message (and code) shown to the operator as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  readonly message?: string | string[];
  readonly code?: string;
}

/**
 * fetch() against this app with the bearer token. A 401 ends the session with the server's reason (expired,
 * revoked after a password change, …). Mutating calls carry a fresh Idempotency-Key so a retried click is safe.
 */
export async function api<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
  const token = currentToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.method === 'POST') headers['idempotency-key'] = crypto.randomUUID();
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached.');
  }
  const text = await response.text();
  const body = text ? (safeJson(text) as unknown) : undefined;
  if (response.ok) return body as T;
  const error = (body ?? {}) as ErrorBody;
  const message = Array.isArray(error.message) ? error.message.join('; ') : (error.message ?? response.statusText);
  if (response.status === 401 && token && !path.startsWith('/auth/login')) {
    endSession(`Signed out: ${message}.`);
  }
  throw new ApiError(response.status, message, error.code);
}

/** GET a text document (report.html) with the bearer token; errors as api() reports them. */
export async function apiText(path: string): Promise<string> {
  const token = currentToken();
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, 'The server cannot be reached.');
  }
  const text = await response.text();
  if (response.ok) return text;
  const error = (safeJson(text) ?? {}) as ErrorBody;
  const message = Array.isArray(error.message) ? error.message.join('; ') : (error.message ?? response.statusText);
  if (response.status === 401 && token) endSession(`Signed out: ${message}.`);
  throw new ApiError(response.status, message, error.code);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** POST /auth/login and keep the token for this tab. */
export async function signIn(password: string): Promise<void> {
  const token = await api<{ accessToken: string; expiresIn: number }>('/auth/login', {
    method: 'POST',
    body: { password },
  });
  startSession(token.accessToken, token.expiresIn);
}
