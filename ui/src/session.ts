/**
 * The login session: the bearer token lives in sessionStorage (this tab only, gone when it closes), never in a URL.
 * Whoever notices that the token no longer works (a 401 from the API, close code 4401 from /ws, the expiry timer)
 * calls `endSession(reason)`, and the app goes back to the login screen showing that reason.
 */
const TOKEN_KEY = 'bybit-scalper.token';
const EXPIRES_KEY = 'bybit-scalper.expires-at';

type Listener = (reason: string | null) => void;
const listeners = new Set<Listener>();
let expiryTimer: number | undefined;

export function currentToken(): string | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const expiresAt = Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0);
  if (!token) return null;
  if (expiresAt && expiresAt <= Date.now()) {
    clear();
    return null;
  }
  return token;
}

export function startSession(token: string, expiresInSeconds: number): void {
  const expiresAt = Date.now() + expiresInSeconds * 1000;
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(EXPIRES_KEY, String(expiresAt));
  armExpiry(expiresAt);
  for (const listener of listeners) listener(null);
}

/** Arms the expiry timer for a token restored from sessionStorage after a reload. */
export function resumeSession(): void {
  const expiresAt = Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0);
  if (expiresAt) armExpiry(expiresAt);
}

export function endSession(reason: string): void {
  if (!sessionStorage.getItem(TOKEN_KEY)) return;
  clear();
  for (const listener of listeners) listener(reason);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function armExpiry(expiresAt: number): void {
  window.clearTimeout(expiryTimer);
  // setTimeout's limit is ~24.8 days; tokens live far less, but never arm a timer that would fire at once.
  const delay = Math.min(Math.max(expiresAt - Date.now(), 0), 2 ** 31 - 1);
  expiryTimer = window.setTimeout(() => endSession('Your session expired. Sign in again.'), delay);
}

function clear(): void {
  window.clearTimeout(expiryTimer);
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
}
