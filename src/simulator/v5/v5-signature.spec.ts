import { hmacHex, restSignatureMatches, verifyRestSignature, verifyWsAuth } from './v5-signature';

const KEYS: Record<string, string> = { 'sim-key': 'sim-secret' };
const secretOf = (key: string) => KEYS[key];
const NOW = 1_700_000_000_000;

describe(verifyRestSignature.name, () => {
  const signed = (payload: string, timestamp = NOW, secret = 'sim-secret') => ({
    apiKey: 'sim-key',
    timestamp: String(timestamp),
    recvWindow: '5000',
    payload,
    sign: hmacHex(secret, `${timestamp}sim-key5000${payload}`),
  });

  it('should accept a signature over the raw query exactly as sent', () => {
    expect(verifyRestSignature(signed('category=linear&symbol=BTCUSDT'), secretOf, NOW)).toEqual({
      ok: true,
      apiKey: 'sim-key',
    });
  });

  it('should refuse a signature over a re-ordered query with 10004', () => {
    const request = { ...signed('category=linear&symbol=BTCUSDT'), payload: 'symbol=BTCUSDT&category=linear' };
    expect(verifyRestSignature(request, secretOf, NOW)).toMatchObject({ ok: false, failure: { retCode: 10004 } });
  });

  it('should refuse a wrong secret with 10004 and an unknown key with 10003', () => {
    expect(verifyRestSignature(signed('{"a":1}', NOW, 'other'), secretOf, NOW)).toMatchObject({
      ok: false,
      failure: { retCode: 10004 },
    });
    expect(verifyRestSignature({ ...signed('x'), apiKey: 'nope' }, secretOf, NOW)).toMatchObject({
      ok: false,
      failure: { retCode: 10003 },
    });
  });

  it('should apply the recv window: too old or more than 1 s ahead is 10002', () => {
    expect(verifyRestSignature(signed('', NOW - 5001), secretOf, NOW)).toMatchObject({
      ok: false,
      failure: { retCode: 10002 },
    });
    expect(verifyRestSignature(signed('', NOW - 5000), secretOf, NOW)).toMatchObject({ ok: true });
    expect(verifyRestSignature(signed('', NOW + 999), secretOf, NOW)).toMatchObject({ ok: true });
    expect(verifyRestSignature(signed('', NOW + 1000), secretOf, NOW)).toMatchObject({
      ok: false,
      failure: { retCode: 10002 },
    });
  });
});

describe(verifyWsAuth.name, () => {
  it('should accept a future expiry signed over GET/realtime', () => {
    const expires = NOW + 5000;
    expect(verifyWsAuth(['sim-key', expires, hmacHex('sim-secret', `GET/realtime${expires}`)], secretOf, NOW)).toEqual({
      ok: true,
      apiKey: 'sim-key',
    });
  });

  it('should refuse an expired or badly signed auth', () => {
    const past = NOW - 1;
    expect(verifyWsAuth(['sim-key', past, hmacHex('sim-secret', `GET/realtime${past}`)], secretOf, NOW)).toMatchObject({
      ok: false,
    });
    expect(verifyWsAuth(['sim-key', NOW + 5000, 'deadbeef'], secretOf, NOW)).toMatchObject({ ok: false });
    expect(verifyWsAuth(['who', NOW + 5000, 'x'], secretOf, NOW)).toMatchObject({
      ok: false,
      retMsg: 'Invalid apikey',
    });
  });
});

describe(restSignatureMatches.name, () => {
  const request = (timestamp: number, secret = 'sim-secret', apiKey = 'sim-key') => ({
    apiKey,
    timestamp: String(timestamp),
    recvWindow: '5000',
    payload: 'category=linear',
    sign: hmacHex(secret, `${timestamp}${apiKey}5000category=linear`),
  });

  it('should judge the signature alone, whatever the timestamp', () => {
    expect(restSignatureMatches(request(NOW - 60_000), secretOf)).toBe(true);
    expect(restSignatureMatches(request(NOW, 'other'), secretOf)).toBe(false);
    expect(restSignatureMatches(request(NOW, 'sim-secret', 'nope'), secretOf)).toBe(false);
    expect(restSignatureMatches({ ...request(NOW), sign: undefined }, secretOf)).toBe(false);
  });
});
