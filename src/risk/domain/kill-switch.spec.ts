import * as fc from 'fast-check';
import { INITIAL_KILL_SWITCH_STATE, KillSwitch, utcDay } from './kill-switch';

const DAY_MS = 86_400_000;
const DAY_1 = Date.UTC(2025, 0, 15, 0, 0, 0);
const NOON = DAY_1 + DAY_MS / 2;
const LAST_MS_OF_DAY_1 = DAY_1 + DAY_MS - 1;
const DAY_2 = DAY_1 + DAY_MS;

function aSwitch(maxDailyLossUsdt = 500): KillSwitch {
  return new KillSwitch(maxDailyLossUsdt);
}

describe(KillSwitch.name, () => {
  describe('trip on daily loss', () => {
    it('should stay off while the day’s loss is below the limit', () => {
      const sut = aSwitch();

      expect(sut.record(-300, NOON)).toBeNull();
      expect(sut.record(-199.99, NOON)).toBeNull();
      expect(sut.active).toBe(false);
      expect(sut.countedPnl(NOON)).toBe(-499.99);
    });

    it('should trip when the loss reaches exactly the limit, and report the change once', () => {
      const sut = aSwitch();
      sut.record(-300, NOON);

      const change = sut.record(-200, NOON + 1);

      expect(change).toEqual({
        actor: 'system',
        active: true,
        previous: false,
        reason: 'daily realised loss 500 USDT reached MAX_DAILY_LOSS_USDT 500',
        atMs: NOON + 1,
        dailyRealisedPnlUsdt: -500,
        maxDailyLossUsdt: 500,
      });
      expect(sut.state).toMatchObject({ active: true, changedBy: 'system', changedAtMs: NOON + 1 });
      expect(sut.record(-10, NOON + 2)).toBeNull();
      expect(sut.active).toBe(true);
    });

    it('should net profits against losses', () => {
      const sut = aSwitch();
      sut.record(-400, NOON);
      sut.record(+150, NOON);

      expect(sut.record(-249.99, NOON)).toBeNull();
      expect(sut.record(-0.01, NOON)).not.toBeNull();
    });

    it('should never trip when MAX_DAILY_LOSS_USDT is 0', () => {
      const sut = aSwitch(0);

      expect(sut.record(-1_000_000, NOON)).toBeNull();
      expect(sut.active).toBe(false);
    });

    it('should sum on the USDT grid, so float noise cannot keep it from tripping at the limit', () => {
      const sut = aSwitch(500);
      // Plain float addition of 5000 × -0.1 gives -500.0000000000452, and 4999 × -0.1 drifts the same way.
      let early = 0;
      for (let i = 0; i < 4999; i++) if (sut.record(-0.1, NOON)) early += 1;

      expect(early).toBe(0);
      expect(sut.record(-0.1, NOON)).not.toBeNull();
      expect(sut.countedPnl(NOON)).toBe(-500);
    });

    it('should refuse a non-finite PnL', () => {
      expect(() => aSwitch().record(Number.NaN, NOON)).toThrow(RangeError);
    });
  });

  describe('exact USDT sums', () => {
    it('should add many small losses without float drift: ten of 0.1 reach a limit of 1', () => {
      const sut = aSwitch(1);
      for (let i = 0; i < 9; i += 1) expect(sut.record(-0.1, NOON)).toBeNull();
      expect(sut.countedPnl(NOON)).toBe(-0.9);

      expect(sut.record(-0.1, NOON)).not.toBeNull();
      expect(sut.countedPnl(NOON)).toBe(-1);
    });

    it('should round a sum once to 8 decimals, half away from zero (a float round would go the other way)', () => {
      const sut = aSwitch(0.12345679);

      // -0.123456785 × 1e8 is -12345678.5 in decimal; Math.round on the float gives -12345678.
      expect(sut.record(-0.123456785, NOON)).not.toBeNull();
      expect(sut.countedPnl(NOON)).toBe(-0.12345679);
    });
  });

  describe('UTC days', () => {
    it('should restart the sum on a new UTC day', () => {
      const sut = aSwitch();
      sut.record(-499, LAST_MS_OF_DAY_1);

      expect(sut.record(-499, DAY_2)).toBeNull();
      expect(sut.state).toMatchObject({ tradingDay: '2025-01-16', realisedPnlUsdt: -499 });
      expect(sut.countedPnl(DAY_2 + DAY_MS)).toBe(0);
    });

    it('should stay active across the day boundary until an operator resets it', () => {
      const sut = aSwitch();
      sut.record(-600, NOON);

      sut.record(+50, DAY_2);

      expect(sut.active).toBe(true);
      expect(sut.countedPnl(DAY_2)).toBe(50);
    });

    it('should not count PnL reported late for a day that has already rolled over', () => {
      const sut = aSwitch();
      sut.record(-100, DAY_2);

      expect(sut.record(-1000, NOON)).toBeNull();
      expect(sut.state).toMatchObject({ tradingDay: '2025-01-16', realisedPnlUsdt: -100, active: false });
    });

    it('should name days in UTC', () => {
      expect(utcDay(DAY_1)).toBe('2025-01-15');
      expect(utcDay(LAST_MS_OF_DAY_1)).toBe('2025-01-15');
      expect(utcDay(DAY_2)).toBe('2025-01-16');
    });
  });

  describe('reset', () => {
    it('should turn the switch off and record who did it', () => {
      const sut = aSwitch();
      sut.record(-500, NOON);

      const change = sut.reset(NOON + 1000, 'operator');

      expect(change).toMatchObject({
        actor: 'operator',
        active: false,
        previous: true,
        reason: 'reset by operator',
        dailyRealisedPnlUsdt: 0,
      });
      expect(sut.state).toMatchObject({
        active: false,
        changedBy: 'operator',
        changedAtMs: NOON + 1000,
        realisedPnlUsdt: -500,
        baselineUsdt: -500,
      });
    });

    it('should count losses from the reset on, so the same losses do not re-trip it', () => {
      const sut = aSwitch();
      sut.record(-500, NOON);
      sut.reset(NOON + 1, 'operator');

      expect(sut.record(-499.99, NOON + 2)).toBeNull();
      expect(sut.active).toBe(false);
      expect(sut.record(-0.01, NOON + 3)).toMatchObject({ active: true, dailyRealisedPnlUsdt: -500 });
    });

    it('should start a new day from zero after a reset the day before', () => {
      const sut = aSwitch();
      sut.record(-500, NOON);
      sut.reset(NOON + 1, 'operator');

      sut.record(-499.99, DAY_2);

      expect(sut.state).toMatchObject({
        tradingDay: '2025-01-16',
        realisedPnlUsdt: -499.99,
        baselineUsdt: 0,
        active: false,
      });
    });

    it('should reset on a new day after tripping the day before', () => {
      const sut = aSwitch();
      sut.record(-700, NOON);

      sut.reset(DAY_2 + 1, 'operator');

      expect(sut.state).toMatchObject({ tradingDay: '2025-01-16', realisedPnlUsdt: 0, baselineUsdt: 0, active: false });
      expect(sut.record(-500, DAY_2 + 2)).not.toBeNull();
    });
  });

  describe('manual activation', () => {
    it('should block until reset whatever the PnL, with the operator’s reason', () => {
      const sut = aSwitch();

      const change = sut.activate('exchange incident', NOON, 'operator');
      sut.record(+1000, NOON + 1);

      expect(change).toMatchObject({ actor: 'operator', active: true, previous: false, reason: 'exchange incident' });
      expect(sut.state).toMatchObject({ active: true, reason: 'exchange incident', changedBy: 'operator' });
    });

    it('should report an activation of an active switch as no change of state', () => {
      const sut = aSwitch();
      sut.activate('first', NOON, 'operator');

      expect(sut.activate('second', NOON + 1, 'operator')).toMatchObject({
        previous: true,
        active: true,
        reason: 'second',
      });
    });
  });

  it('should restore a stored state as it is', () => {
    const stored = {
      ...INITIAL_KILL_SWITCH_STATE,
      tradingDay: '2025-01-15',
      realisedPnlUsdt: -800,
      baselineUsdt: -500,
      active: true,
      reason: 'r',
      changedAtMs: NOON,
      changedBy: 'system',
    };
    const sut = aSwitch();

    sut.restore(stored);

    expect(sut.state).toEqual(stored);
    expect(sut.countedPnl(NOON)).toBe(-300);
  });

  it('should trip exactly when the running loss since the last reset first reaches the limit (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20_000, max: 10_000 }), { maxLength: 60 }), (cents) => {
        const sut = aSwitch(500);
        let counted = 0;
        for (const c of cents) {
          counted += c;
          const change = sut.record(c / 100, NOON);
          // The switch is off before every record (each trip is reset at once): it trips iff the limit is reached.
          expect({ counted, tripped: change !== null }).toEqual({ counted, tripped: counted <= -50_000 });
          if (change) {
            sut.reset(NOON, 'operator');
            counted = 0;
          }
        }
      }),
    );
  });
});
