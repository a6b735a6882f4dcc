import { newTraceId, resolveTraceId } from './trace-id';

const GENERATED = /^[0-9a-f]{32}$/;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(resolveTraceId.name, () => {
  it.each(['abc-123', 'A.b_c:d-9', 'x'.repeat(64), '4bf92f3577b34da6a3ce929d0e0e4736'])(
    'should keep a well-formed X-Trace-Id %s',
    (id) => {
      expect(resolveTraceId({ 'x-trace-id': id })).toBe(id);
    },
  );

  it('should prefer X-Trace-Id over traceparent', () => {
    expect(resolveTraceId({ 'x-trace-id': 'abc-123', traceparent: TRACEPARENT })).toBe('abc-123');
  });

  it('should ignore surrounding whitespace and take the first of repeated headers', () => {
    expect(resolveTraceId({ 'x-trace-id': '  abc-123 ' })).toBe('abc-123');
    expect(resolveTraceId({ 'x-trace-id': ['first', 'second'] })).toBe('first');
  });

  it('should take the trace-id of a valid traceparent when X-Trace-Id is absent', () => {
    expect(resolveTraceId({ traceparent: TRACEPARENT })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each([
    ['empty', ''],
    ['too long for the trace_id columns', 'x'.repeat(65)],
    ['a space', 'abc 123'],
    ['a slash', 'a/b'],
    ['a quote', 'a"b'],
    ['a newline (log injection)', 'abc\n{"level":"fatal"}'],
    ['non-ASCII', 'трасса'],
  ])('should fall back to traceparent when X-Trace-Id has %s', (_case, id) => {
    expect(resolveTraceId({ 'x-trace-id': id, traceparent: TRACEPARENT })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each([
    ['an unknown version', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['an all-zero trace-id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent-id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['a short trace-id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['missing flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['garbage', 'not-a-traceparent'],
  ])('should generate an id when traceparent has %s', (_case, traceparent) => {
    expect(resolveTraceId({ traceparent })).toMatch(GENERATED);
  });

  it('should generate a different 32-hex id for each request without trace headers', () => {
    const ids = new Set(Array.from({ length: 100 }, () => resolveTraceId({})));

    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(GENERATED);
  });
});

describe(newTraceId.name, () => {
  it('should look like a W3C trace-id', () => {
    expect(newTraceId()).toMatch(GENERATED);
  });
});
