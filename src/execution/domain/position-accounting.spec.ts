import * as fc from 'fast-check';
import {
  applyFill,
  emptyPosition,
  Fill,
  FillResult,
  netRealised,
  PositionFigures,
  Side,
  unrealisedPnl,
} from './position-accounting';
import { money } from '../../common/money';

const STEP = '0.001';

function aFill(side: Side, price: string, quantity: string, fee = '0'): Fill {
  return { side, price, quantity, fee };
}

/** Applies fills in order from an empty position of `side`; returns every intermediate result. */
function replay(side: Side, fills: readonly Fill[], qtyStep = STEP): FillResult[] {
  const results: FillResult[] = [];
  let figures: PositionFigures = emptyPosition(side);
  for (const fill of fills) {
    const result = applyFill(figures, fill, qtyStep);
    results.push(result);
    figures = result.figures;
  }
  return results;
}

function last(side: Side, fills: readonly Fill[], qtyStep = STEP): FillResult {
  const results = replay(side, fills, qtyStep);
  return results[results.length - 1];
}

describe(emptyPosition.name, () => {
  it('should start flat with no prices and zero money when no fill has happened', () => {
    expect(emptyPosition('Sell')).toEqual({
      side: 'Sell',
      quantity: '0',
      entryPrice: null,
      exitPrice: null,
      exitedQuantity: '0',
      grossRealisedPnl: '0',
      fees: '0',
    });
  });
});

describe(money.name, () => {
  it.each([
    [1.234567891234, '1.23456789'],
    [100, '100'],
    [0.1 + 0.2, '0.3'],
    [-2.5, '-2.5'],
    [0.000000004, '0'],
    [-0.000000004, '0'],
    [-0, '0'],
    [0, '0'],
    [-0.00000001, '-0.00000001'],
  ])('should write %p as %j when rounded to 8 decimals', (value, expected) => {
    expect(money(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('should throw a RangeError when the value is %p', (value) => {
    expect(() => money(value)).toThrow(RangeError);
  });
});

describe(applyFill.name, () => {
  describe('entry fills', () => {
    it('should average the entry price weighted by quantity when entry fills add up', () => {
      const sut = last('Buy', [aFill('Buy', '100', '1'), aFill('Buy', '103', '2')], '1');

      expect(sut.figures).toMatchObject({
        quantity: '3',
        entryPrice: '102',
        exitPrice: null,
        exitedQuantity: '0',
        grossRealisedPnl: '0',
      });
      expect(sut).toMatchObject({
        openedQuantity: '2',
        closedQuantity: '0',
        realisedPnl: 0,
        flat: false,
        excessQuantity: '0',
      });
    });

    it('should keep 10 decimals of the average when it is not a terminating decimal', () => {
      const sut = last('Sell', [aFill('Sell', '100', '0.001'), aFill('Sell', '101', '0.002')]);

      expect(sut.figures.entryPrice).toBe('100.6666666667');
      expect(sut.figures.quantity).toBe('0.003');
    });

    it('should not change the position it was given when a fill is applied', () => {
      const before = emptyPosition('Buy');

      applyFill(before, aFill('Buy', '100', '1'), '1');

      expect(before).toEqual(emptyPosition('Buy'));
    });
  });

  describe('reducing fills', () => {
    it.each([
      // side, entry, exit, realised per 1 qty
      ['Buy', '100', '105', 5],
      ['Buy', '100', '96', -4],
      ['Sell', '100', '96', 4],
      ['Sell', '100', '105', -5],
    ] as const)(
      'should realise the PnL of a %s entered at %s and closed at %s when the fill closes it',
      (side, entry, exit, pnl) => {
        const closing = side === 'Buy' ? 'Sell' : 'Buy';

        const sut = last(side, [aFill(side, entry, '2'), aFill(closing, exit, '2')], '1');

        expect(sut.realisedPnl).toBe(pnl * 2);
        expect(sut.figures.grossRealisedPnl).toBe(money(pnl * 2));
        expect(sut).toMatchObject({ openedQuantity: '0', closedQuantity: '2', flat: true, excessQuantity: '0' });
        expect(sut.figures).toMatchObject({ quantity: '0', exitPrice: exit, exitedQuantity: '2' });
      },
    );

    it('should keep the average exit price over all reducing fills when the position closes in parts', () => {
      const [, first, second] = replay('Buy', [
        aFill('Buy', '100', '0.004'),
        aFill('Sell', '110', '0.001'),
        aFill('Sell', '104', '0.002'),
      ]);

      expect(first.figures).toMatchObject({
        quantity: '0.003',
        exitPrice: '110',
        exitedQuantity: '0.001',
        grossRealisedPnl: '0.01',
      });
      expect(first.flat).toBe(false);
      // (110 × 1 + 104 × 2) / 3 = 106; realised 0.001 × 10 + 0.002 × 4.
      expect(second.figures).toMatchObject({
        quantity: '0.001',
        exitPrice: '106',
        exitedQuantity: '0.003',
        grossRealisedPnl: '0.018',
        entryPrice: '100',
      });
      expect(second.realisedPnl).toBeCloseTo(0.008, 12);
      expect(second.flat).toBe(false);
    });

    it('should report flat exactly when the size reaches zero', () => {
      const results = replay('Sell', [
        aFill('Sell', '50', '0.003'),
        aFill('Buy', '49', '0.001'),
        aFill('Buy', '49', '0.001'),
        aFill('Buy', '49', '0.001'),
      ]);

      expect(results.map((r) => [r.figures.quantity, r.flat])).toEqual([
        ['0.003', false],
        ['0.002', false],
        ['0.001', false],
        ['0.000', true],
      ]);
    });

    it('should close only the open size and report the rest as excess when a reduce is larger than the position', () => {
      const sut = last('Buy', [aFill('Buy', '100', '0.002'), aFill('Sell', '101', '0.005')]);

      expect(sut).toMatchObject({ closedQuantity: '0.002', excessQuantity: '0.003', flat: true });
      expect(sut.figures).toMatchObject({ quantity: '0.000', exitedQuantity: '0.002', grossRealisedPnl: '0.002' });
    });
  });

  describe('fees', () => {
    it('should accumulate fees of entry and exit fills, maker rebates included, when fills carry them', () => {
      const sut = last(
        'Buy',
        [aFill('Buy', '100', '1', '0.055'), aFill('Buy', '100', '1', '-0.02'), aFill('Sell', '101', '2', '0.0555')],
        '1',
      );

      expect(sut.figures.fees).toBe('0.0905');
      expect(sut.figures.grossRealisedPnl).toBe('2');
      expect(netRealised(sut.figures)).toBe('1.9095');
    });

    it('should go negative when rebates dominate', () => {
      const sut = last('Sell', [aFill('Sell', '100', '1', '-0.01'), aFill('Buy', '100', '1', '-0.01')], '1');

      expect(sut.figures.fees).toBe('-0.02');
      expect(netRealised(sut.figures)).toBe('0.02');
    });

    it('should count no fee when the fee is empty', () => {
      expect(last('Buy', [aFill('Buy', '100', '1', '')], '1').figures.fees).toBe('0');
    });
  });

  describe('qty grid', () => {
    it.each([
      ['0.001', ['0.001', '0.002'], '0.003', '0.001', '0.002'],
      ['0.01', ['0.01', '0.02'], '0.03', '0.01', '0.02'],
      ['0.1', ['0.1', '0.2'], '0.3', '0.2', '0.1'],
      ['1', ['7', '5'], '12', '3', '9'],
    ])('should keep quantities on the %s grid when fills add and reduce', (step, entries, total, reduce, remaining) => {
      const fills = [...entries.map((q) => aFill('Buy', '10', q)), aFill('Sell', '10', reduce)];

      const results = replay('Buy', fills, step);

      // Counted in steps: 0.1 + 0.2 is "0.3", never a float tail like 0.30000000000000004.
      expect(results[entries.length - 1].figures.quantity).toBe(total);
      expect(results[entries.length].figures).toMatchObject({ quantity: remaining, exitedQuantity: reduce });
    });
  });

  describe('bad fills', () => {
    it.each([
      ['a zero price', aFill('Buy', '0', '1')],
      ['a negative price', aFill('Buy', '-1', '1')],
      ['a price that is not a number', aFill('Buy', 'abc', '1')],
      ['a zero quantity', aFill('Buy', '100', '0')],
      ['a negative quantity', aFill('Buy', '100', '-0.001')],
      ['a quantity under half a step', aFill('Buy', '100', '0.0004')],
    ])('should throw a RangeError when the fill has %s', (_what, fill) => {
      expect(() => applyFill(emptyPosition('Buy'), fill, STEP)).toThrow(RangeError);
    });

    it('should throw a RangeError when the fee is not a number', () => {
      expect(() => applyFill(emptyPosition('Buy'), aFill('Buy', '100', '1', 'x'), '1')).toThrow(RangeError);
    });
  });

  describe('properties', () => {
    const TICK = 0.01;
    const priced = (maxUnits: number) =>
      fc.record({ ticks: fc.integer({ min: 1, max: 10_000_000 }), units: fc.integer({ min: 1, max: maxUnits }) });
    const scenario = fc
      .record({
        side: fc.constantFrom<Side>('Buy', 'Sell'),
        entries: fc.array(priced(5_000), { minLength: 1, maxLength: 8 }),
        exits: fc.array(priced(10_000), { minLength: 1, maxLength: 8 }),
      })
      .map(({ side, entries, exits }) => {
        // Reducing fills up to the size: each is cut to what is still open, and none follows the one that closes it.
        let left = entries.reduce((sum, e) => sum + e.units, 0);
        const reductions: Array<{ ticks: number; units: number }> = [];
        for (const e of exits) {
          if (left === 0) break;
          const units = Math.min(e.units, left);
          reductions.push({ ticks: e.ticks, units });
          left -= units;
        }
        return { side, entries, reductions };
      });

    it('should realise Σ(sell value) − Σ(buy value) over the closed quantity when fills open then reduce', () => {
      fc.assert(
        fc.property(scenario, ({ side, entries, reductions }) => {
          const closing: Side = side === 'Buy' ? 'Sell' : 'Buy';
          const fills = [
            ...entries.map((e) => aFill(side, (e.ticks * TICK).toFixed(2), (e.units / 1000).toFixed(3))),
            ...reductions.map((r) => aFill(closing, (r.ticks * TICK).toFixed(2), (r.units / 1000).toFixed(3))),
          ];

          const results = replay(side, fills);

          const final = results[results.length - 1];
          for (const r of results) expect(Number(r.figures.quantity)).toBeGreaterThanOrEqual(0);
          // Exact expectation in integers (ticks × qty units), converted once at the end.
          const openUnits = entries.reduce((s, e) => s + e.units, 0);
          const entryValue = entries.reduce((s, e) => s + BigInt(e.ticks) * BigInt(e.units), 0n);
          const closedUnits = reductions.reduce((s, r) => s + r.units, 0);
          const exitValue = reductions.reduce((s, r) => s + BigInt(r.ticks) * BigInt(r.units), 0n);
          const entryValueClosed = (Number(entryValue) * closedUnits) / openUnits;
          const sellMinusBuy =
            side === 'Buy' ? Number(exitValue) - entryValueClosed : entryValueClosed - Number(exitValue);
          const expected = sellMinusBuy * TICK * 0.001;
          const scale = Math.max(1, (Number(exitValue) + entryValueClosed) * TICK * 0.001);
          expect(Math.abs(Number(final.figures.grossRealisedPnl) - expected)).toBeLessThanOrEqual(
            1e-8 * scale + results.length * 1e-8,
          );
          expect(final.figures.exitedQuantity).toBe((closedUnits / 1000).toFixed(3));
          expect(final.figures.quantity).toBe(((openUnits - closedUnits) / 1000).toFixed(3));
          expect(final.flat).toBe(closedUnits === openUnits);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe(netRealised.name, () => {
  it('should deduct fees from the gross realised PnL when written as money', () => {
    const figures: PositionFigures = { ...emptyPosition('Buy'), grossRealisedPnl: '1.5', fees: '0.30000001' };

    expect(netRealised(figures)).toBe('1.19999999');
  });

  it('should write zero, not -0, when fees cancel the gain exactly', () => {
    expect(netRealised({ ...emptyPosition('Buy'), grossRealisedPnl: '0.1', fees: '0.1' })).toBe('0');
  });
});

describe(unrealisedPnl.name, () => {
  const open = (side: Side): PositionFigures => ({ ...emptyPosition(side), quantity: '0.5', entryPrice: '100' });

  it.each([
    ['Buy', 110, 5],
    ['Buy', 90, -5],
    ['Sell', 110, -5],
    ['Sell', 90, 5],
  ] as const)('should value a %s of 0.5 @ 100 when marked at %p: %p', (side, mark, expected) => {
    expect(unrealisedPnl(open(side), mark)).toBe(expected);
  });

  it.each([
    ['no entry price', emptyPosition('Buy'), 110],
    ['a zero mark', { ...emptyPosition('Buy'), quantity: '1', entryPrice: '100' }, 0],
    ['a NaN mark', { ...emptyPosition('Buy'), quantity: '1', entryPrice: '100' }, NaN],
  ])('should be 0 when there is %s', (_what, figures, mark) => {
    expect(unrealisedPnl(figures, mark)).toBe(0);
  });
});
