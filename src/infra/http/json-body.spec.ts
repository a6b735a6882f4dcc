import { exceedsJsonDepth } from './json-body';

describe('exceedsJsonDepth', () => {
  it('should measure nesting of arrays and objects against the limit', () => {
    expect(exceedsJsonDepth('[[[]]]', 3)).toBe(false);
    expect(exceedsJsonDepth('[[[[]]]]', 3)).toBe(true);
    expect(exceedsJsonDepth('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[1,{"c":{}}]}}', 4)).toBe(true);
  });

  it('should not count brackets inside strings, with escaped quotes and backslashes', () => {
    expect(exceedsJsonDepth(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ s: 'a\\"[[[[', t: '\\' }), 1)).toBe(false);
    expect(exceedsJsonDepth(`{"s":"\\\\"}`.replace('}', ',"t":[[[]]]}'), 2)).toBe(true);
  });

  it('should count depth, not the number of brackets', () => {
    expect(exceedsJsonDepth(JSON.stringify(Array.from({ length: 10_000 }, () => [[1]])), 3)).toBe(false);
  });

  it('should scan a 1 MB body in a few milliseconds', () => {
    const text = JSON.stringify({ password: 'x'.repeat(1024 * 1024) });
    exceedsJsonDepth(text, 32);
    const started = performance.now();
    expect(exceedsJsonDepth(text, 32)).toBe(false);
    expect(performance.now() - started).toBeLessThan(20);
  });
});
