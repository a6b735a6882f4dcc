/** What a redacted value is replaced with in every log line. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values must never reach a log line, wherever a logged object carries them: request DTOs
 * (password, current_password, new_password), token responses (access_token), config and env dumps
 * (SECRET_KEY, BYBIT_API_KEY, BYBIT_API_SECRET) and exchange client options (secret, apiSecret, api_secret).
 */
export const SECRET_KEYS = [
  'password',
  'current_password',
  'new_password',
  'access_token',
  'secret',
  'apiSecret',
  'api_secret',
  'SECRET_KEY',
  'BYBIT_API_SECRET',
  'BYBIT_API_KEY',
  // A credential header logged on its own or inside a headers object (`{ headers }`, `{ req: { headers } }`).
  'authorization',
  'cookie',
] as const;

/**
 * pino `redact` paths: each secret key at the top level of a line and one or two objects deep
 * (`{ dto: { password } }`, `{ config: { exchange: { apiSecret } } }`, `{ req: { headers: { authorization } } }`).
 * fast-redact compiles these once; deeper nesting is not covered, so do not log whole object graphs.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];
