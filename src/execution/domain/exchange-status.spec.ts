import { UnknownExchangeOrderStatusError } from './execution-domain.errors';
import { BYBIT_ORDER_STATUSES, isCancelledAfterPartialFill, orderStatusFromExchange } from './exchange-status';

describe(orderStatusFromExchange.name, () => {
  it.each([
    ['New', '0', 'Placed'],
    ['PartiallyFilled', '0.004', 'PartiallyFilled'],
    ['Untriggered', '0', 'Placed'],
    ['Triggered', '0', 'Placed'],
    ['Filled', '0.01', 'Filled'],
    ['Cancelled', '0', 'Cancelled'],
    ['Cancelled', '0.004', 'Cancelled'],
    ['PartiallyFilledCanceled', '0.004', 'Cancelled'],
    ['Rejected', '0', 'Rejected'],
    ['Deactivated', '0', 'Cancelled'],
  ])('should map %s (cumExecQty %s) to %s when Bybit reports it', (bybit, cumExecQty, expected) => {
    expect(orderStatusFromExchange(bybit, cumExecQty)).toBe(expected);
  });

  it('should map every documented Bybit status when iterating the enum', () => {
    for (const status of BYBIT_ORDER_STATUSES) {
      expect(() => orderStatusFromExchange(status, '0')).not.toThrow();
    }
    expect(BYBIT_ORDER_STATUSES).toHaveLength(9);
  });

  it('should accept an empty cumExecQty as zero when Bybit leaves it blank', () => {
    expect(orderStatusFromExchange('New', '')).toBe('Placed');
  });

  it.each(['Created', 'PendingCancel', 'new', 'FILLED', '', null, undefined, 42])(
    'should throw a typed parse error when the status is %p',
    (status) => {
      expect(() => orderStatusFromExchange(status, '0')).toThrow(
        expect.objectContaining({
          constructor: UnknownExchangeOrderStatusError,
          code: 'UNKNOWN_EXCHANGE_STATUS',
          kind: 'INVALID',
        }),
      );
    },
  );

  it.each(['-1', '1e3', 'abc', '0.', null, undefined, 0])(
    'should throw a typed parse error when cumExecQty is %p',
    (qty) => {
      expect(() => orderStatusFromExchange('Cancelled', qty)).toThrow(UnknownExchangeOrderStatusError);
    },
  );
});

describe(isCancelledAfterPartialFill.name, () => {
  it.each([
    ['Cancelled', '0.004', true],
    ['Cancelled', '0', false],
    ['Cancelled', '0.000', false],
    ['PartiallyFilledCanceled', '0.004', true],
    ['Deactivated', '0', false],
    ['Filled', '0.01', false],
  ] as const)('should say %s with cumExecQty %s is %p', (status, qty, expected) => {
    expect(isCancelledAfterPartialFill(status, qty)).toBe(expected);
  });
});
