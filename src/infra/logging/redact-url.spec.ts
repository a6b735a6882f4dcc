import { REDACTED, redactUrl } from './redaction';

describe('redactUrl', () => {
  it('should redact the token of a /ws URL and keep the rest', () => {
    expect(redactUrl('/ws?token=eyJhbGciOi.x.y&channel=orderbook')).toBe(`/ws?token=${REDACTED}&channel=orderbook`);
  });

  it('should redact credential-like parameters whatever their case or encoding', () => {
    expect(redactUrl('/x?Access_Token=a&API%5FKEY=b&password=c&limit=5')).toBe(
      `/x?Access_Token=${REDACTED}&API%5FKEY=${REDACTED}&password=${REDACTED}&limit=5`,
    );
  });

  it('should leave URLs without a query, and malformed escapes, intact', () => {
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/x?%E0%A4%A=1&token')).toBe('/x?%E0%A4%A=1&token');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
