import { closingSide, ExitReason, exitReasonFor, ExitWatch } from './exit-rules';

const OPENED_AT_MS = 1_764_000_000_000;
const MAX_HOLD_MS = 60_000;
const EARLY_MS = OPENED_AT_MS + 1_000;

/** A long entered at 1000 ticks with TP at 1003 and SL at 998 (a short mirrors it: TP 997, SL 1002). */
function aWatch(overrides: Partial<ExitWatch> = {}): ExitWatch {
  const side = overrides.side ?? 'Buy';
  return {
    side,
    takeProfitTicks: side === 'Buy' ? 1003 : 997,
    stopLossTicks: side === 'Buy' ? 998 : 1002,
    openedAtMs: OPENED_AT_MS,
    ...overrides,
  };
}

describe(exitReasonFor.name, () => {
  describe('price exits', () => {
    // Long cases as [case, bid, ask, expected]; the short cases mirror them around 1000 ticks (the short's watch
    // mirrors the long's), so both sides are held to the same thresholds and the side each one reads.
    const LONG: Array<[string, number, number, ExitReason | null]> = [
      ['at TP exactly', 1003, 1004, 'TAKE_PROFIT'],
      ['past TP', 1010, 1011, 'TAKE_PROFIT'],
      ['one tick short of TP', 1002, 1003, null],
      ['at SL exactly', 998, 999, 'STOP_LOSS'],
      ['past SL', 990, 991, 'STOP_LOSS'],
      ['one tick short of SL', 999, 1000, null],
      // The other side of the book crosses, the side the position exits on does not.
      ['short of TP while the other side is past it', 1002, 1005, null],
      ['short of SL while the other side is past it', 999, 997, null],
    ];
    const mirrored = (bid: number, ask: number): [number, number] => [2000 - ask, 2000 - bid];
    type Case = [ExitReason | null, ExitWatch['side'], string, number, number];
    const CASES: Case[] = [
      ...LONG.map(([name, bid, ask, expected]): Case => [expected, 'Buy', name, bid, ask]),
      ...LONG.map(([name, bid, ask, expected]): Case => [expected, 'Sell', name, ...mirrored(bid, ask)]),
    ];

    it.each(CASES)(
      'should return %p when a %s exits at a price %s (bid %p, ask %p)',
      (expected, side, _case, bid, ask) => {
        expect(exitReasonFor(aWatch({ side }), bid, ask, EARLY_MS, MAX_HOLD_MS)).toBe(expected);
      },
    );

    it.each<[ExitWatch['side'], number, number]>([
      // One price can only cross both when the thresholds overlap; the loss-limiting exit must still win.
      ['Buy', 999, 1001],
      ['Sell', 1001, 999],
    ])(
      'should pick STOP_LOSS over TAKE_PROFIT for a %s when both are crossed',
      (side, takeProfitTicks, stopLossTicks) => {
        const both = aWatch({ side, takeProfitTicks, stopLossTicks });

        expect(exitReasonFor(both, 1000, 1000, EARLY_MS, MAX_HOLD_MS)).toBe('STOP_LOSS');
      },
    );

    it('should ignore a missing TP or SL when it is null', () => {
      const sut = aWatch({ takeProfitTicks: null, stopLossTicks: null });

      expect(exitReasonFor(sut, 5000, 5001, EARLY_MS, MAX_HOLD_MS)).toBeNull();
      expect(exitReasonFor(sut, 1, 2, EARLY_MS, MAX_HOLD_MS)).toBeNull();
    });

    it.each<[ExitWatch['side'], number, number]>([
      ['Buy', NaN, 990],
      ['Sell', 1010, NaN],
    ])('should not exit a %s on price when its side of the book is empty (NaN)', (side, bid, ask) => {
      expect(exitReasonFor(aWatch({ side }), bid, ask, EARLY_MS, MAX_HOLD_MS)).toBeNull();
    });
  });

  describe('time exit', () => {
    it.each([
      [null, MAX_HOLD_MS - 1],
      ['MAX_HOLD_TIME', MAX_HOLD_MS],
      ['MAX_HOLD_TIME', MAX_HOLD_MS + 1],
    ])('should return %p when the position has been held %p ms of a 60 000 ms limit', (expected, heldMs) => {
      expect(exitReasonFor(aWatch(), 1000, 1001, OPENED_AT_MS + heldMs, MAX_HOLD_MS)).toBe(expected);
    });

    it('should not exit on time when openedAtMs is null (nothing filled yet)', () => {
      expect(
        exitReasonFor(aWatch({ openedAtMs: null }), 1000, 1001, OPENED_AT_MS + 10 * MAX_HOLD_MS, MAX_HOLD_MS),
      ).toBeNull();
    });

    it('should not exit on time when maxHoldMs is 0 (no limit)', () => {
      expect(exitReasonFor(aWatch(), 1000, 1001, OPENED_AT_MS + 10 * MAX_HOLD_MS, 0)).toBeNull();
    });

    it.each<[number, ExitReason]>([
      [1003, 'TAKE_PROFIT'],
      [998, 'STOP_LOSS'],
    ])('should report the price exit over the time limit when the bid is %p after the limit', (bid, expected) => {
      expect(exitReasonFor(aWatch(), bid, bid + 1, OPENED_AT_MS + MAX_HOLD_MS, MAX_HOLD_MS)).toBe(expected);
    });

    it('should still exit on time when the book is empty', () => {
      expect(exitReasonFor(aWatch(), NaN, NaN, OPENED_AT_MS + MAX_HOLD_MS, MAX_HOLD_MS)).toBe('MAX_HOLD_TIME');
    });
  });
});

describe(closingSide.name, () => {
  it.each([
    ['Buy', 'Sell'],
    ['Sell', 'Buy'],
  ] as const)('should return the closing side when the position is a %s: %s', (side, expected) => {
    expect(closingSide(side)).toBe(expected);
  });
});
