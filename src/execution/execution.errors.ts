import { DomainError, DomainErrorKind } from '../common/domain-error';

/** Closed set of execution failures and the kind every transport maps them to. */
const EXECUTION_ERROR_KIND = {
  /** An optimistic write lost: the row's version moved since it was read. Re-read and re-apply (retryOnConflict). */
  STALE_VERSION: 'CONFLICT',
  /** An order with this client_order_id (Bybit orderLinkId) is already written: the signal was handled before. */
  DUPLICATE_CLIENT_ORDER_ID: 'CONFLICT',
  ORDER_NOT_FOUND: 'NOT_FOUND',
  POSITION_NOT_FOUND: 'NOT_FOUND',
  /** Only an Open position can be closed by hand (Opening has nothing to close yet; Closing is already exiting). */
  POSITION_NOT_OPEN: 'CONFLICT',
  /** orderLinkId longer than Bybit's 36 characters or empty. */
  BAD_LINK_ID: 'INVALID',
} as const satisfies Record<string, DomainErrorKind>;

export type ExecutionErrorCode = keyof typeof EXECUTION_ERROR_KIND;

export type VersionedAggregate = 'order' | 'position';

export class ExecutionError extends DomainError<ExecutionErrorCode> {
  constructor(code: ExecutionErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, EXECUTION_ERROR_KIND[code], message, details);
  }
}

/** Thrown by updateWithVersion when no row has the id at the expected version. */
export class StaleVersionError extends ExecutionError {
  constructor(
    readonly aggregate: VersionedAggregate,
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super('STALE_VERSION', `The ${aggregate} ${id} changed since version ${expectedVersion} was read`, {
      aggregate,
      id,
      expectedVersion,
    });
  }
}

export class DuplicateClientOrderIdError extends ExecutionError {
  constructor(readonly clientOrderId: string) {
    super('DUPLICATE_CLIENT_ORDER_ID', `An order with client_order_id ${clientOrderId} already exists`, {
      clientOrderId,
    });
  }
}

/** Bybit's limit on orderLinkId: https://bybit-exchange.github.io/docs/v5/order/create-order */
const MAX_CLIENT_ORDER_ID_LENGTH = 36;

/** Every execution store refuses an orderLinkId Bybit would refuse, before anything is written. */
export function assertClientOrderId(clientOrderId: string): void {
  if (clientOrderId.length === 0 || clientOrderId.length > MAX_CLIENT_ORDER_ID_LENGTH) {
    throw new ExecutionError('BAD_LINK_ID', `client_order_id must be 1..${MAX_CLIENT_ORDER_ID_LENGTH} characters`, {
      clientOrderId,
    });
  }
}
