/** What a redacted value is replaced with in every log line. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values must never reach a log line, wherever a logged object carries them: request DTOs
 * (password, currentPassword, newPassword), token responses (accessToken), config and env dumps
 * (SECRET_KEY, BYBIT_API_KEY, BYBIT_API_SECRET) and exchange client options (secret, apiSecret, api_secret).
 */
export const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'accessToken',
  // The wire names of 0.1.0 (docs/api-conventions.md): an old client's body may still be logged.
  'current_password',
  'new_password',
  'access_token',
  'secret',
  'apiSecret',
  'api_secret',
  'apiKey',
  'secretKey',
  'initialPassword',
  'SECRET_KEY',
  'BYBIT_API_SECRET',
  'BYBIT_API_KEY',
  // A credential header logged on its own or inside a headers object (`{ headers }`, `{ req: { headers } }`).
  'authorization',
  'cookie',
] as const;

/**
 * pino `redact` paths: each secret key at the top level of a line and one object deep (`{ dto: { password } }`),
 * plus credential headers inside any `headers` object (`{ req: { headers: { authorization } } }`).
 * Two-level wildcards (`*.*.key`) for every key were measured to cost ~40 % of a request's CPU (pino redacts the
 * bindings of every per-request child logger), so deeper nesting is not covered: do not log whole object graphs.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  // Exchange client options inside a logged config (`{ config: { exchange: { apiSecret } } }`).
  ...['apiSecret', 'api_secret', 'secret', 'apiKey'].map((key) => `*.exchange.${key}`),
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
];

/** Query parameters whose values never reach a log line (`/ws?token=…` carries a bearer token). */
const SECRET_QUERY_PARAMETER = /token|password|secret|key|signature|auth|session|code/i;

/**
 * The URL as it may be logged: path as is, the value of every query parameter that could hold a credential
 * replaced by REDACTED (names kept, so the line still says what was sent). Parsing is linear and never throws.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape: judge the raw name.
      }
      return eq >= 0 && SECRET_QUERY_PARAMETER.test(decoded) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}
