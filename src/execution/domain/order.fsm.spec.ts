import { ORDER_STATUSES, OrderStatus, StateTransitionRecord } from '../entities/order.entity';
import { InvalidHistoryError, InvalidTransitionError } from './execution-domain.errors';
import { ORDER_TRANSITIONS, OrderStateMachine, orderTransition } from './order.fsm';

const T0_MS = 1_764_000_000_000;
const T0_ISO = new Date(T0_MS).toISOString();
const TRACE = 'trace-0001';

/** Written out independently of ORDER_TRANSITIONS so the table itself is under test. */
const ALLOWED = new Set<string>([
  'Pending>Placed',
  'Pending>PartiallyFilled',
  'Pending>Filled',
  'Pending>Cancelled',
  'Pending>Rejected',
  'Pending>Failed',
  'Placed>PartiallyFilled',
  'Placed>Filled',
  'Placed>Cancelled',
  'Placed>Rejected',
  'PartiallyFilled>PartiallyFilled',
  'PartiallyFilled>Filled',
  'PartiallyFilled>Cancelled',
]);

const PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));
const allowedPairs = PAIRS.filter(([from, to]) => ALLOWED.has(`${from}>${to}`));
const refusedPairs = PAIRS.filter(([from, to]) => !ALLOWED.has(`${from}>${to}`));

const historyEndingIn = (status: OrderStatus): StateTransitionRecord[] => [
  { from: null, to: 'Pending', at: T0_ISO, cause: 'created' },
  ...(status === 'Pending' ? [] : [{ from: 'Pending', to: status, at: T0_ISO, cause: 'setup' }]),
];

describe('ORDER_TRANSITIONS', () => {
  it('should list exactly the allowed moves when compared with the expected table', () => {
    const listed = Object.entries(ORDER_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect(new Set(listed)).toEqual(ALLOWED);
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('should cover all 49 pairs when allowed and refused are counted together', () => {
    expect(allowedPairs).toHaveLength(13);
    expect(refusedPairs).toHaveLength(36);
  });

  it.each(['Filled', 'Cancelled', 'Rejected', 'Failed'] as const)(
    'should have no exits when %s is terminal',
    (status) => {
      expect(ORDER_TRANSITIONS[status]).toEqual([]);
      expect(OrderStateMachine.restore(status, historyEndingIn(status)).isTerminal).toBe(true);
    },
  );
});

describe(OrderStateMachine.name, () => {
  it.each(allowedPairs)('should move %s → %s and append one record when the move is allowed', (from, to) => {
    const fsm = OrderStateMachine.restore(from, historyEndingIn(from));
    const before = fsm.history.length;

    expect(fsm.canTransitionTo(to)).toBe(true);
    const record = fsm.transition(to, { cause: 'ws order push', atMs: T0_MS + 5, traceId: TRACE });

    expect(fsm.status).toBe(to);
    expect(record).toEqual({ from, to, at: new Date(T0_MS + 5).toISOString(), cause: 'ws order push', traceId: TRACE });
    expect(fsm.history).toHaveLength(before + 1);
    expect(fsm.history[fsm.history.length - 1]).toBe(record);
  });

  it.each(refusedPairs)('should refuse %s → %s and keep state and history when the move is not allowed', (from, to) => {
    const fsm = OrderStateMachine.restore(from, historyEndingIn(from));
    const historyBefore = [...fsm.history];

    expect(fsm.canTransitionTo(to)).toBe(false);
    let thrown: unknown;
    try {
      fsm.transition(to, { cause: 'ws order push', atMs: T0_MS, traceId: TRACE });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(InvalidTransitionError);
    expect(thrown).toMatchObject({
      code: 'INVALID_TRANSITION',
      kind: 'CONFLICT',
      name: 'InvalidTransitionError',
      details: { machine: 'order', from, to },
    });
    expect(fsm.status).toBe(from);
    expect(fsm.history).toEqual(historyBefore);
  });

  it('should refuse cancelling a filled order when it is already Filled', () => {
    const fsm = OrderStateMachine.restore('Filled', historyEndingIn('Filled'));

    expect(() => fsm.transition('Cancelled', { cause: 'user cancel', atMs: T0_MS })).toThrow(InvalidTransitionError);
    expect(fsm.status).toBe('Filled');
  });

  it('should refuse filling a cancelled order when it is already Cancelled', () => {
    const fsm = OrderStateMachine.restore('Cancelled', historyEndingIn('Cancelled'));

    expect(() => fsm.transition('Filled', { cause: 'late fill', atMs: T0_MS })).toThrow(InvalidTransitionError);
    expect(() => fsm.transition('PartiallyFilled', { cause: 'late fill', atMs: T0_MS })).toThrow(
      InvalidTransitionError,
    );
    expect(fsm.status).toBe('Cancelled');
  });

  it('should start in Pending with a creation record from null when created', () => {
    const fsm = OrderStateMachine.create({ cause: 'signal', atMs: T0_MS, traceId: TRACE });

    expect(fsm.status).toBe('Pending');
    expect(fsm.history).toEqual([{ from: null, to: 'Pending', at: T0_ISO, cause: 'signal', traceId: TRACE }]);
  });

  it('should record the whole life when an order is placed, partly filled twice and filled', () => {
    const fsm = OrderStateMachine.create({ cause: 'signal', atMs: T0_MS, traceId: TRACE });
    fsm.transition('Placed', { cause: 'rest ack', atMs: T0_MS + 1, traceId: TRACE });
    fsm.transition('PartiallyFilled', { cause: 'fill 1', atMs: T0_MS + 2 });
    fsm.transition('PartiallyFilled', { cause: 'fill 2', atMs: T0_MS + 3 });
    fsm.transition('Filled', { cause: 'fill 3', atMs: T0_MS + 4 });

    expect(fsm.history.map((r) => [r.from, r.to])).toEqual([
      [null, 'Pending'],
      ['Pending', 'Placed'],
      ['Placed', 'PartiallyFilled'],
      ['PartiallyFilled', 'PartiallyFilled'],
      ['PartiallyFilled', 'Filled'],
    ]);
    expect(fsm.isTerminal).toBe(true);
  });

  it('should write records the entity can persist when the history is serialised as JSONB', () => {
    const fsm = OrderStateMachine.create({ cause: 'signal', atMs: T0_MS });
    fsm.transition('Placed', { cause: 'rest ack', atMs: T0_MS + 1, traceId: TRACE });
    const persisted: StateTransitionRecord[] = JSON.parse(JSON.stringify(fsm.history));

    expect(persisted).toEqual(fsm.history);
    for (const record of persisted) {
      expect(Object.keys(record).every((k) => ['from', 'to', 'at', 'cause', 'traceId'].includes(k))).toBe(true);
      expect(record.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    expect('traceId' in persisted[0]).toBe(false);
    expect(OrderStateMachine.restore('Placed', persisted).history).toEqual(persisted);
  });

  it('should restore without history when the row has an empty state_history', () => {
    const fsm = OrderStateMachine.restore('Placed', []);

    expect(fsm.status).toBe('Placed');
    expect(fsm.history).toEqual([]);
  });

  it('should refuse to restore when the history ends in another status', () => {
    expect(() => OrderStateMachine.restore('Filled', historyEndingIn('Placed'))).toThrow(InvalidHistoryError);
  });

  it('should refuse to restore when the status is unknown', () => {
    expect(() => OrderStateMachine.restore('New' as OrderStatus, [])).toThrow(InvalidHistoryError);
  });

  it('should not alias the caller array when restoring', () => {
    const history = historyEndingIn('Placed');
    const fsm = OrderStateMachine.restore('Placed', history);
    fsm.transition('Filled', { cause: 'fill', atMs: T0_MS });

    expect(history).toHaveLength(2);
    expect(fsm.history).toHaveLength(3);
  });
});

describe('orderTransition (a record move as store changes)', () => {
  const pending = {
    status: 'Pending' as const,
    stateHistory: [{ from: null, to: 'Pending', at: T0_ISO, cause: 'signal', traceId: TRACE }],
    traceId: TRACE,
  };

  it('should return the given changes with the new status and the history with the move appended', () => {
    const changes = orderTransition(
      pending,
      'Placed',
      { cause: 'create acknowledged', atMs: T0_MS + 5 },
      {
        exchangeOrderId: 'x-1',
      },
    );

    expect(changes).toEqual({
      exchangeOrderId: 'x-1',
      status: 'Placed',
      stateHistory: [
        pending.stateHistory[0],
        {
          from: 'Pending',
          to: 'Placed',
          at: new Date(T0_MS + 5).toISOString(),
          cause: 'create acknowledged',
          traceId: TRACE,
        },
      ],
    });
    expect(pending.stateHistory).toHaveLength(1);
  });

  it('should refuse a move the table does not allow, producing no changes', () => {
    const filled = {
      ...pending,
      status: 'Filled' as const,
      stateHistory: [{ from: null, to: 'Filled', at: T0_ISO, cause: 'x' }],
    };
    expect(() => orderTransition(filled, 'Cancelled', { cause: 'late cancel', atMs: T0_MS }, {})).toThrow(
      InvalidTransitionError,
    );
  });
});
