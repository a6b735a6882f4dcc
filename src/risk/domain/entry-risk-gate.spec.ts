import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta } from '../../order-book/domain/order-book.parse';
import { EntryCheck, EntryRejectionSink, EntryRiskGate } from './entry-risk-gate';
import { InMemoryKillSwitch } from './in-memory-kill-switch';
import { KillSwitchChange } from './kill-switch';
import { RejectionCounter } from './rejection-counter';
import {
  EMPTY_EXPOSURE,
  ExposureSnapshot,
  InstrumentFilters,
  RiskLimits,
  RiskRejection,
  TradeBreakerState,
} from './risk.types';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const MAX_AGE_MS = 5000;
const INSTRUMENT: InstrumentFilters = {
  tickSize: '0.1',
  qtyStep: '0.001',
  minOrderQty: '0.001',
  maxMarketOrderQty: '100',
  minNotionalValue: '5',
};
const LIMITS: RiskLimits = {
  maxOpenPositions: 5,
  maxExposureUsdt: 1000,
  minOrderSizeUsdt: 5,
  orderSizeUsdt: 100,
  takeProfitPct: 0.3,
  stopLossPct: 0.2,
};

/** A real BTCUSDT book, 50000.0 / 50000.1, last updated `ageMs` before NOW. */
function aBook(ageMs = 0): OrderBook {
  const book = new OrderBook('BTCUSDT', INSTRUMENT);
  book.apply(BookDelta.of('snapshot', 1, [[500_000, 1000]], [[500_001, 1000]]), NOW - ageMs);
  return book;
}

function aCheck(overrides: Partial<EntryCheck> = {}): EntryCheck {
  return { signalId: 'sig-1', symbol: 'BTCUSDT', side: 'Buy', price: '50000.0', nowMs: NOW, ...overrides };
}

function anExposure(overrides: Partial<ExposureSnapshot> = {}): ExposureSnapshot {
  return { ...EMPTY_EXPOSURE, symbolsInUse: new Set<string>(), ...overrides };
}

/** A gate on plain objects, as a backtest builds it: in-memory kill switch, fixed breaker and filters. */
function aGate(options: { maxDailyLossUsdt?: number; breaker?: TradeBreakerState } = {}) {
  const changes: Array<{ change: KillSwitchChange; traceId?: string }> = [];
  const killSwitch = new InMemoryKillSwitch(options.maxDailyLossUsdt ?? 500, (change, traceId) =>
    changes.push({ change, traceId }),
  );
  const counter = new RejectionCounter();
  const rejected: Array<{ check: EntryCheck; rejection: RiskRejection }> = [];
  const rejections: EntryRejectionSink = {
    entryRejected: (check, rejection) => {
      counter.entryRejected(check, rejection);
      rejected.push({ check, rejection });
    },
  };
  let breaker = options.breaker ?? 'CLOSED';
  const gate = new EntryRiskGate({
    limits: LIMITS,
    bookMaxAgeMs: MAX_AGE_MS,
    killSwitch,
    tradeBreaker: () => breaker,
    instrument: (symbol) => (symbol === 'BTCUSDT' ? INSTRUMENT : undefined),
    rejections,
  });
  return {
    gate,
    killSwitch,
    changes,
    counter,
    rejected,
    setBreaker: (state: TradeBreakerState) => (breaker = state),
  };
}

describe(EntryRiskGate.name, () => {
  describe('checkEntry', () => {
    it('should approve and size an entry on the fresh book it is handed', () => {
      const { gate, rejected } = aGate();

      const decision = gate.checkEntry(aCheck(), anExposure(), aBook());

      expect(decision).toEqual({
        approved: true,
        order: {
          symbol: 'BTCUSDT',
          side: 'Buy',
          qty: '0.002',
          price: '50000.0',
          notionalUsdt: 100,
          takeProfit: '50150.0',
          stopLoss: '49900.0',
        },
      });
      expect(rejected).toEqual([]);
    });

    it('should refuse with BOOK_STALE when handed no book, or a book older than the maximum age', () => {
      const { gate, counter } = aGate();

      const none = gate.checkEntry(aCheck(), anExposure(), undefined);
      const old = gate.checkEntry(aCheck({ signalId: 'sig-2' }), anExposure(), aBook(MAX_AGE_MS + 1));

      expect([none, old].map((d) => (d.approved ? 'APPROVED' : d.code))).toEqual(['BOOK_STALE', 'BOOK_STALE']);
      expect(counter.counts().BOOK_STALE).toBe(2);
    });

    it('should read the book it is handed, not one it kept from an earlier call', () => {
      const { gate } = aGate();
      gate.checkEntry(aCheck(), anExposure(), aBook());

      const decision = gate.checkEntry(aCheck({ signalId: 'sig-2' }), anExposure(), undefined);

      expect(decision).toMatchObject({ approved: false, code: 'BOOK_STALE' });
    });

    it('should read the breaker and the instrument through its ports on every call', () => {
      const { gate, setBreaker } = aGate();

      setBreaker('OPEN');
      const open = gate.checkEntry(aCheck(), anExposure(), aBook());
      setBreaker('CLOSED');
      const unknown = gate.checkEntry(aCheck({ symbol: 'DOGEUSDT' }), anExposure(), aBook());
      const closed = gate.checkEntry(aCheck(), anExposure(), aBook());

      expect([open, unknown, closed].map((d) => (d.approved ? 'APPROVED' : d.code))).toEqual([
        'BREAKER_OPEN',
        'INSTRUMENT_UNKNOWN',
        'APPROVED',
      ]);
    });

    it('should refuse on the exposure snapshot it is handed', () => {
      const { gate } = aGate();

      const decision = gate.checkEntry(aCheck(), anExposure({ openNotionalUsdt: 950 }), aBook());

      expect(decision).toMatchObject({ approved: false, code: 'MAX_EXPOSURE' });
    });

    it('should hand each refusal, with its check, to the rejection sink, and count it per code', () => {
      const { gate, killSwitch, rejected, counter } = aGate();
      killSwitch.activate('maintenance', NOW, 'operator');

      gate.checkEntry(aCheck({ signalId: 'sig-7' }), anExposure(), aBook());
      gate.checkEntry(aCheck({ signalId: 'sig-8', symbol: 'ETHUSDT' }), anExposure(), aBook());

      expect(rejected.map((r) => [r.check.signalId, r.check.symbol, r.rejection.code])).toEqual([
        ['sig-7', 'BTCUSDT', 'KILL_SWITCH_ACTIVE'],
        ['sig-8', 'ETHUSDT', 'KILL_SWITCH_ACTIVE'],
      ]);
      expect(rejected[0].rejection.message).toContain('maintenance');
      expect(counter.counts()).toMatchObject({ KILL_SWITCH_ACTIVE: 2, BOOK_STALE: 0 });
    });
  });

  describe('recordRealisedPnl', () => {
    it('should trip the kill switch through its port once the day’s loss reaches the limit, and refuse entries', () => {
      const { gate, changes } = aGate({ maxDailyLossUsdt: 500 });

      gate.recordRealisedPnl(-300, NOW, 'trace-1');
      expect(gate.killSwitchActive).toBe(false);
      expect(gate.checkEntry(aCheck(), anExposure(), aBook()).approved).toBe(true);
      gate.recordRealisedPnl(-200, NOW + 1, 'trace-2');

      expect(gate.killSwitchActive).toBe(true);
      expect(changes).toEqual([
        {
          traceId: 'trace-2',
          change: {
            actor: 'system',
            active: true,
            previous: false,
            reason: 'daily realised loss 500 USDT reached MAX_DAILY_LOSS_USDT 500',
            atMs: NOW + 1,
            dailyRealisedPnlUsdt: -500,
            maxDailyLossUsdt: 500,
          },
        },
      ]);
      expect(gate.checkEntry(aCheck(), anExposure(), aBook())).toMatchObject({
        approved: false,
        code: 'KILL_SWITCH_ACTIVE',
      });
    });

    it('should not count a PnL that is not a finite number', () => {
      const { gate, killSwitch } = aGate({ maxDailyLossUsdt: 500 });

      gate.recordRealisedPnl(Number.NaN, NOW);
      gate.recordRealisedPnl(Number.NEGATIVE_INFINITY, NOW);

      expect(gate.killSwitchActive).toBe(false);
      expect(killSwitch.countedPnl(NOW)).toBe(0);
    });

    it('should let entries through again after the in-memory switch is reset', () => {
      const { gate, killSwitch } = aGate({ maxDailyLossUsdt: 100 });
      gate.recordRealisedPnl(-150, NOW);
      expect(gate.checkEntry(aCheck(), anExposure(), aBook()).approved).toBe(false);

      killSwitch.reset(NOW + 1, 'operator');

      expect(gate.checkEntry(aCheck(), anExposure(), aBook()).approved).toBe(true);
      expect(killSwitch.countedPnl(NOW + 1)).toBe(0);
    });
  });
});
