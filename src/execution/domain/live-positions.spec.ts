import { LivePosition, LivePositions, PendingEntry } from './live-positions';

const NOW_MS = 1_764_000_000_000;

function aPosition(overrides: Partial<LivePosition> & Pick<LivePosition, 'id' | 'symbol'>): LivePosition {
  return {
    side: 'Buy',
    status: 'Open',
    quantity: 0.01,
    entryPrice: 50_000,
    takeProfitTicks: 501_500,
    stopLossTicks: 499_000,
    openedAtMs: NOW_MS,
    nextExitAtMs: 0,
    failedExits: 0,
    exitOutcomeUnknown: false,
    ...overrides,
  };
}

function anEntry(
  overrides: Partial<Omit<PendingEntry, 'firstFillSeen'>> & Pick<PendingEntry, 'clientOrderId'>,
): Omit<PendingEntry, 'firstFillSeen'> {
  return { symbol: 'BTCUSDT', side: 'Buy', notionalUsdt: 100, signalPrice: 50_000, signalAtPerfMs: 12.5, ...overrides };
}

const closed = (id: string, symbol: string) => ({ id, symbol, status: 'Closed' as const });

describe(LivePositions.name, () => {
  let sut: LivePositions;

  beforeEach(() => {
    sut = new LivePositions();
  });

  describe('exposure', () => {
    it('should report nothing open, no balance and leverage 1 when new', () => {
      expect(sut.exposure()).toEqual({
        openPositions: 0,
        symbolsInUse: new Set(),
        openNotionalUsdt: 0,
        pendingNotionalUsdt: 0,
        availableBalanceUsdt: null,
        leverage: 1,
      });
    });

    it('should sum open and pending notional and count Opening positions when positions and entries are mixed', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', quantity: 0.002, entryPrice: 50_000 }));
      sut.upsert(
        aPosition({ id: 'p2', symbol: 'ETHUSDT', side: 'Sell', quantity: 0.5, entryPrice: 3_000, status: 'Closing' }),
      );
      sut.upsert(
        aPosition({ id: 'p3', symbol: 'SOLUSDT', status: 'Opening', quantity: 0, entryPrice: null, openedAtMs: null }),
      );
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', symbol: 'SOLUSDT', notionalUsdt: 40 }));
      sut.reserveEntry(anEntry({ clientOrderId: 'c2', symbol: 'XRPUSDT', notionalUsdt: 60.5 }));

      const exposure = sut.exposure();

      expect(exposure.openPositions).toBe(3);
      expect(exposure.openNotionalUsdt).toBeCloseTo(100 + 1_500, 9);
      expect(exposure.pendingNotionalUsdt).toBe(100.5);
      expect([...exposure.symbolsInUse].sort()).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    });

    it('should not count a released entry as pending when its order ended', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', notionalUsdt: 40 }));
      sut.reserveEntry(anEntry({ clientOrderId: 'c2', symbol: 'ETHUSDT', notionalUsdt: 60 }));

      sut.releaseEntry('c1');

      expect(sut.exposure().pendingNotionalUsdt).toBe(60);
      expect(sut.pendingEntries).toBe(1);
    });
  });

  describe(LivePositions.prototype.setBalance.name, () => {
    it('should report the balance and leverage when both are given', () => {
      sut.setBalance(1234.5, 10);

      expect(sut.exposure()).toMatchObject({ availableBalanceUsdt: 1234.5, leverage: 10 });
    });

    it.each([NaN, Infinity, -Infinity, null])('should report an unknown balance when it is %p', (balance) => {
      sut.setBalance(500);

      sut.setBalance(balance);

      expect(sut.exposure().availableBalanceUsdt).toBeNull();
    });

    it.each([undefined, 0.5, 0, -3, NaN, Infinity])(
      'should keep the previous leverage when the new one is %p',
      (leverage) => {
        sut.setBalance(100, 5);

        sut.setBalance(200, leverage);

        expect(sut.exposure()).toMatchObject({ availableBalanceUsdt: 200, leverage: 5 });
      },
    );

    it('should accept the leverage when it is exactly 1', () => {
      sut.setBalance(100, 5);

      sut.setBalance(100, 1);

      expect(sut.exposure().leverage).toBe(1);
    });
  });

  describe('symbols in use', () => {
    const inUse = () => sut.exposure().symbolsInUse.has('BTCUSDT');

    it('should keep a symbol in use while an entry or a position holds it, when the entry ends first', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1' }));
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT' }));

      sut.releaseEntry('c1');
      expect(inUse()).toBe(true);

      sut.upsert(closed('p1', 'BTCUSDT'));
      expect(inUse()).toBe(false);
    });

    it('should keep a symbol in use while an entry or a position holds it, when the position closes first', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1' }));
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT' }));

      sut.upsert(closed('p1', 'BTCUSDT'));
      expect(inUse()).toBe(true);

      sut.releaseEntry('c1');
      expect(inUse()).toBe(false);
    });

    it('should keep a symbol in use when only one of its two entries is released', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1' }));
      sut.reserveEntry(anEntry({ clientOrderId: 'c2' }));

      sut.releaseEntry('c1');
      expect(inUse()).toBe(true);

      sut.releaseEntry('c2');
      expect(inUse()).toBe(false);
    });

    it('should change nothing when an unknown entry is released', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1' }));

      sut.releaseEntry('unknown');

      expect(inUse()).toBe(true);
      expect(sut.pendingEntries).toBe(1);
    });
  });

  describe(LivePositions.prototype.reserveEntry.name, () => {
    it('should reserve once per clientOrderId when the same entry is reserved twice', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', notionalUsdt: 100 }));
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', notionalUsdt: 999 }));

      expect(sut.exposure().pendingNotionalUsdt).toBe(100);
      expect(sut.pendingEntries).toBe(1);
      // One release frees the symbol: the second reservation did not count it twice.
      sut.releaseEntry('c1');
      expect(sut.exposure().symbolsInUse.has('BTCUSDT')).toBe(false);
    });

    it('should hold the entry with no fill seen when it is reserved', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1' }));

      expect(sut.hasEntry('c1')).toBe(true);
      expect(sut.entry('c1')).toEqual({ ...anEntry({ clientOrderId: 'c1' }), firstFillSeen: false });
    });
  });

  describe(LivePositions.prototype.releaseEntry.name, () => {
    it('should keep the entry readable through entry() but not active when it is released', () => {
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', signalPrice: 123 }));

      sut.releaseEntry('c1');

      expect(sut.hasEntry('c1')).toBe(false);
      expect(sut.entry('c1')).toMatchObject({ clientOrderId: 'c1', signalPrice: 123 });
    });

    it('should forget the oldest released entry when 256 later ones have been released', () => {
      const release = (id: string) => {
        sut.reserveEntry(anEntry({ clientOrderId: id }));
        sut.releaseEntry(id);
      };
      release('oldest');
      for (let i = 0; i < 255; i++) release(`c${i}`);

      expect(sut.entry('oldest')).toBeDefined();
      release('one-more');

      expect(sut.entry('oldest')).toBeUndefined();
      expect(sut.entry('c0')).toBeDefined();
      expect(sut.entry('one-more')).toBeDefined();
    });
  });

  describe(LivePositions.prototype.upsert.name, () => {
    it('should replace the position by id and find it by symbol when upserted again', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', quantity: 0.01 }));
      const replacement = aPosition({ id: 'p1', symbol: 'BTCUSDT', quantity: 0.02 });

      sut.upsert(replacement);

      expect(sut.size).toBe(1);
      expect(sut.byId('p1')).toBe(replacement);
      expect(sut.bySymbol('BTCUSDT')).toBe(replacement);
      expect([...sut.all()]).toEqual([replacement]);
    });

    it.each([
      [
        'the previous back-off is later',
        { nextExitAtMs: 9_000, failedExits: 3 },
        { nextExitAtMs: 1_000, failedExits: 1 },
        { nextExitAtMs: 9_000, failedExits: 3 },
      ],
      [
        'the new back-off is later',
        { nextExitAtMs: 1_000, failedExits: 1 },
        { nextExitAtMs: 9_000, failedExits: 3 },
        { nextExitAtMs: 9_000, failedExits: 3 },
      ],
      [
        'each is higher in one field',
        { nextExitAtMs: 9_000, failedExits: 1 },
        { nextExitAtMs: 1_000, failedExits: 3 },
        { nextExitAtMs: 9_000, failedExits: 3 },
      ],
    ])('should keep the higher back-off when %s', (_case, previous, next, expected) => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', ...previous }));

      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', ...next }));

      expect(sut.byId('p1')).toMatchObject(expected);
    });

    it.each([
      ['Closing', true],
      ['Open', false],
    ] as const)('should carry the unknown exit outcome over when the replacement is %s: %p', (status, expected) => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', status: 'Closing' }));
      sut.exitUnknown('p1', NOW_MS);

      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', status }));

      expect(sut.byId('p1')?.exitOutcomeUnknown).toBe(expected);
    });

    it('should remove the position when it is upserted as Closed', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT' }));
      sut.upsert(aPosition({ id: 'p2', symbol: 'ETHUSDT' }));

      sut.upsert(closed('p1', 'BTCUSDT'));

      expect(sut.byId('p1')).toBeUndefined();
      expect(sut.bySymbol('BTCUSDT')).toBeUndefined();
      expect(sut.size).toBe(1);
      expect(sut.exposure()).toMatchObject({ openPositions: 1, symbolsInUse: new Set(['ETHUSDT']) });
    });
  });

  describe('exit back-off', () => {
    it('should double the wait from 500 ms up to 30 s when exits keep failing', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', status: 'Closing' }));
      const waits: number[] = [];

      for (let i = 0; i < 9; i++) {
        sut.exitFailed('p1', NOW_MS);
        waits.push(sut.byId('p1')!.nextExitAtMs - NOW_MS);
      }

      expect(waits).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
      expect(sut.byId('p1')).toMatchObject({ failedExits: 9, exitOutcomeUnknown: false });
    });

    it('should flag the outcome as unknown and back off when an exit outcome is unknown', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT', status: 'Closing' }));

      sut.exitUnknown('p1', NOW_MS);
      sut.exitUnknown('p1', NOW_MS + 10);

      expect(sut.byId('p1')).toMatchObject({
        exitOutcomeUnknown: true,
        failedExits: 2,
        nextExitAtMs: NOW_MS + 10 + 1_000,
      });
    });

    it('should change nothing when the position is unknown', () => {
      expect(() => {
        sut.exitFailed('nope', NOW_MS);
        sut.exitUnknown('nope', NOW_MS);
      }).not.toThrow();
      expect(sut.size).toBe(0);
    });
  });

  describe(LivePositions.prototype.clearPositions.name, () => {
    it('should forget positions but keep reservations and their symbols when cleared', () => {
      sut.upsert(aPosition({ id: 'p1', symbol: 'BTCUSDT' }));
      sut.upsert(aPosition({ id: 'p2', symbol: 'ETHUSDT' }));
      sut.reserveEntry(anEntry({ clientOrderId: 'c1', symbol: 'ETHUSDT', notionalUsdt: 70 }));

      sut.clearPositions();

      expect(sut.size).toBe(0);
      expect(sut.bySymbol('BTCUSDT')).toBeUndefined();
      expect(sut.exposure()).toMatchObject({
        openPositions: 0,
        openNotionalUsdt: 0,
        pendingNotionalUsdt: 70,
        symbolsInUse: new Set(['ETHUSDT']),
      });
      expect(sut.hasEntry('c1')).toBe(true);
    });
  });
});
