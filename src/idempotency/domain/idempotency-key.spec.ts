import {
  httpIdempotencyKey,
  httpOperation,
  httpRequestHash,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_OPERATION_MAX_LENGTH,
  idempotencyKey,
  parseIdempotencyKeyHeader,
} from './idempotency-key';

const SCOPE = { method: 'POST', routePath: '/bot/start', principal: 'operator', clientKey: 'k-1' };

describe(idempotencyKey.name, () => {
  it('should give the same key for the same params in any key order, at any depth', () => {
    const sut = idempotencyKey;

    const a = sut('place-order', { symbol: 'BTCUSDT', qty: '0.001', meta: { side: 'Buy', tif: 'GTC' } });
    const b = sut('place-order', { meta: { tif: 'GTC', side: 'Buy' }, qty: '0.001', symbol: 'BTCUSDT' });

    expect(a).toBe(b);
    expect(a).toMatch(/^place-order:[0-9a-f]{64}$/);
  });

  it('should give different keys when a param or the operation differs', () => {
    const keys = new Set([
      idempotencyKey('place-order', { symbol: 'BTCUSDT', qty: '0.001' }),
      idempotencyKey('place-order', { symbol: 'BTCUSDT', qty: '0.002' }),
      idempotencyKey('place-order', { symbol: 'ETHUSDT', qty: '0.001' }),
      idempotencyKey('place-order', { symbol: 'BTCUSDT' }),
      idempotencyKey('cancel-order', { symbol: 'BTCUSDT', qty: '0.001' }),
    ]);

    expect(keys.size).toBe(5);
  });

  it('should fit the 128-character key column even with the longest operation and large params', () => {
    const key = idempotencyKey('o'.repeat(IDEMPOTENCY_OPERATION_MAX_LENGTH), { blob: 'x'.repeat(10_000) });

    expect(key).toHaveLength(IDEMPOTENCY_KEY_MAX_LENGTH);
  });

  it('should refuse an empty or too long operation name', () => {
    expect(() => idempotencyKey('', {})).toThrow(RangeError);
    expect(() => idempotencyKey('o'.repeat(IDEMPOTENCY_OPERATION_MAX_LENGTH + 1), {})).toThrow(RangeError);
  });
});

describe(httpIdempotencyKey.name, () => {
  it('should be stable and at most 128 characters however long the route and client key are', () => {
    const long = { ...SCOPE, routePath: `/${'r'.repeat(500)}`, clientKey: 'k'.repeat(128) };

    expect(httpIdempotencyKey(long)).toBe(httpIdempotencyKey({ ...long }));
    expect(httpIdempotencyKey(long).length).toBeLessThanOrEqual(IDEMPOTENCY_KEY_MAX_LENGTH);
  });

  it('should scope the client key to method, route and principal', () => {
    const keys = new Set([
      httpIdempotencyKey(SCOPE),
      httpIdempotencyKey({ ...SCOPE, method: 'PUT' }),
      httpIdempotencyKey({ ...SCOPE, routePath: '/bot/stop' }),
      httpIdempotencyKey({ ...SCOPE, principal: 'anon' }),
      httpIdempotencyKey({ ...SCOPE, clientKey: 'k-2' }),
    ]);

    expect(keys.size).toBe(5);
  });

  it('should not let a separator inside one part stand for the boundary between two parts', () => {
    const joined = httpIdempotencyKey({ ...SCOPE, routePath: '/a:b', clientKey: 'c' });
    const shifted = httpIdempotencyKey({ ...SCOPE, routePath: '/a', clientKey: 'b:c' });

    expect(joined).not.toBe(shifted);
  });
});

describe(httpRequestHash.name, () => {
  it('should ignore key order and tell body, params and query apart', () => {
    const base = { body: { a: 1, b: 2 }, params: { group: 'order' }, query: {} };

    expect(httpRequestHash(base)).toBe(
      httpRequestHash({ query: {}, params: { group: 'order' }, body: { b: 2, a: 1 } }),
    );
    const hashes = new Set([
      httpRequestHash(base),
      httpRequestHash({ ...base, body: { a: 1, b: 3 } }),
      httpRequestHash({ ...base, params: { group: 'market' } }),
      httpRequestHash({ ...base, query: { a: 1 } }),
    ]);
    expect(hashes.size).toBe(4);
  });
});

describe(httpOperation.name, () => {
  it('should label the route and clip a long one to the operation column', () => {
    expect(httpOperation('POST', '/bot/start')).toBe('POST /bot/start');
    expect(httpOperation('POST', `/${'r'.repeat(200)}`)).toHaveLength(IDEMPOTENCY_OPERATION_MAX_LENGTH);
  });
});

describe(parseIdempotencyKeyHeader.name, () => {
  it('should accept 1..128 visible ASCII characters', () => {
    for (const value of [
      'a',
      'k'.repeat(128),
      '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      '!~"#$%&()*+,./:;<=>?@[]^_`{|}',
    ]) {
      expect(parseIdempotencyKeyHeader(value)).toEqual({ kind: 'valid', value });
    }
  });

  it('should report an absent header as absent, not invalid', () => {
    expect(parseIdempotencyKeyHeader(undefined)).toEqual({ kind: 'absent' });
  });

  it('should refuse an empty, too long, non-visible or repeated header, naming the header', () => {
    for (const raw of ['', 'k'.repeat(129), 'has space', 'tab\there', 'ünïcode', 'bell\u0007', ['a', 'b']]) {
      const parsed = parseIdempotencyKeyHeader(raw);
      expect({ raw, kind: parsed.kind }).toEqual({ raw, kind: 'invalid' });
      expect(parsed.kind === 'invalid' && parsed.reason).toContain('Idempotency-Key');
    }
  });
});
