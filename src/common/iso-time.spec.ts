import fc from 'fast-check';
import { isoUtc } from './iso-time';

describe(isoUtc.name, () => {
  it.each([
    0, 1, 999, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 1_767_225_599_999, 1_700_000_000_123, -1,
    -62_167_219_200_000, 253_402_300_799_999,
  ])('should write %p exactly as Date#toISOString does', (ms) => {
    expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });

  it('should agree with Date#toISOString on any time of years 0..9999', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
        (ms) => isoUtc(ms) === new Date(ms).toISOString(),
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([Number.NaN, Infinity, 1.5, -62_167_219_200_001, 253_402_300_800_000])(
    'should refuse %p with a RangeError',
    (ms) => {
      expect(() => isoUtc(ms)).toThrow(RangeError);
    },
  );
});
