import { ExchangeError, type ExchangeErrorCode } from '../../src/exchange/exchange.errors';
import { ExchangeRest, PrivateStream } from '../../src/exchange/exchange.port';
import type {
  ConnectionState,
  ExchangeExecution,
  ExchangeOrder,
  ExchangePosition,
  ExecutionQuery,
  OrderAck,
  OrderHistoryQuery,
  OrderQuery,
  Page,
  PlaceOrderRequest,
  PrivateStreamEvents,
  Unsubscribe,
} from '../../src/exchange/exchange.types';

/**
 * A venue a test scripts case by case (the execution kernel's medium tier): it implements the REST calls the
 * kernel makes (create, look-ups by orderLinkId, executions, positions) over a small book of what it knows, and a
 * private stream the test pushes reports into. It never decides anything on its own: the next create is answered
 * as scripted (acknowledged at once by default), and fills happen when the test calls fill().
 */
export class ScriptedVenue extends ExchangeRest {
  /** Every create request, in order. */
  readonly creates: PlaceOrderRequest[] = [];
  /** Look-ups by orderLinkId (open orders + history), in order. */
  readonly lookUps: string[] = [];
  private readonly known = new Map<string, ExchangeOrder>();
  private readonly executions: ExchangeExecution[] = [];
  private readonly script: Array<(request: PlaceOrderRequest) => Promise<OrderAck>> = [];
  private sequence = 0;
  /** The net position per symbol the venue holds ('' side when flat): what getPositions answers. */
  readonly held = new Map<string, { side: 'Buy' | 'Sell' | ''; size: string }>();

  // ---- scripting ----------------------------------------------------------------------------------------------

  /** The next create is acknowledged only when the returned release() is called (the push can come first). */
  holdNextAck(): { release(): void; readonly sent: Promise<PlaceOrderRequest> } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let sent!: (request: PlaceOrderRequest) => void;
    const sentPromise = new Promise<PlaceOrderRequest>((resolve) => (sent = resolve));
    this.script.push(async (request) => {
      const ack = this.accept(request);
      sent(request);
      await released;
      return ack;
    });
    return { release, sent: sentPromise };
  }

  /**
   * The next create fails with `code`. `received`: whether the venue got the order anyway (a timeout after the
   * matching engine accepted it).
   */
  failNext(code: ExchangeErrorCode, options: { received?: boolean } = {}): void {
    this.script.push(async (request) => {
      if (options.received) this.accept(request);
      throw new ExchangeError(code, `scripted ${code}`, {
        fault: code === 'REJECTED' || code === 'INVALID_REQUEST' ? 'business' : 'transient',
      });
    });
  }

  /** The venue's report of an order it knows (what a push or a look-up carries). */
  report(orderLinkId: string): ExchangeOrder {
    const order = this.known.get(orderLinkId);
    if (!order) throw new Error(`the venue does not know ${orderLinkId}`);
    return order;
  }

  /** The order of the latest create (its orderLinkId is what the test reports against). */
  lastCreate(): PlaceOrderRequest {
    const last = this.creates[this.creates.length - 1];
    if (!last) throw new Error('no create was sent');
    return last;
  }

  /** Fills `qty` of the order at `price`: the execution and the order report after it (status moved on). */
  fill(
    orderLinkId: string,
    qty: string,
    price: string,
    fee = '0.01',
  ): { readonly execution: ExchangeExecution; readonly report: ExchangeOrder } {
    const order = this.report(orderLinkId);
    const cum = round(Number(order.cumExecQty) + Number(qty));
    const full = cum >= Number(order.qty) - 1e-12;
    this.sequence += 1;
    const execution: ExchangeExecution = {
      execId: `exec-${orderLinkId}-${this.sequence}`,
      orderId: order.orderId,
      orderLinkId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      execType: 'Trade',
      execPrice: price,
      execQty: qty,
      execValue: String(round(Number(qty) * Number(price))),
      execFee: fee,
      feeRate: '0.00055',
      feeCurrency: 'USDT',
      isMaker: false,
      leavesQty: String(round(Number(order.qty) - cum)),
      closedSize: '0',
      markPrice: price,
      execTime: 1_764_000_000_000 + this.sequence,
      seq: this.sequence,
    };
    this.executions.push(execution);
    const report: ExchangeOrder = {
      ...order,
      status: full ? 'Filled' : 'PartiallyFilled',
      cumExecQty: String(cum),
      leavesQty: String(round(Number(order.qty) - cum)),
      avgPrice: price,
      updatedTime: execution.execTime,
    };
    this.known.set(orderLinkId, report);
    this.move(order.symbol, order.side, Number(qty), order.reduceOnly);
    return { execution, report };
  }

  /** The venue ends the order's rest (an IOC remainder, an operator cancel): Cancelled with what filled so far. */
  cancel(orderLinkId: string): ExchangeOrder {
    const report: ExchangeOrder = { ...this.report(orderLinkId), status: 'Cancelled', cancelType: 'CancelByUser' };
    this.known.set(orderLinkId, report);
    return report;
  }

  // ---- ExchangeRest: what the kernel calls ----------------------------------------------------------------------

  placeOrder(request: PlaceOrderRequest): Promise<OrderAck> {
    this.creates.push(request);
    const scripted = this.script.shift();
    if (scripted) return scripted(request);
    return Promise.resolve(this.accept(request));
  }

  async getOpenOrders(query: OrderQuery = {}): Promise<Page<ExchangeOrder>> {
    this.lookUps.push(query.orderLinkId ?? '*');
    return page(this.matching(query.orderLinkId).filter((o) => OPEN.has(o.status)));
  }

  async getOrderHistory(query: OrderHistoryQuery = {}): Promise<Page<ExchangeOrder>> {
    return page(this.matching(query.orderLinkId).filter((o) => !OPEN.has(o.status)));
  }

  async getExecutions(query: ExecutionQuery = {}): Promise<Page<ExchangeExecution>> {
    return page(this.executions.filter((e) => query.orderLinkId === undefined || e.orderLinkId === query.orderLinkId));
  }

  async getPositions(symbol?: string): Promise<ExchangePosition[]> {
    const held = (symbol && this.held.get(symbol)) || { side: '' as const, size: '0' };
    return [{ ...FLAT, symbol: symbol ?? 'BTCUSDT', side: held.side, size: held.size }];
  }

  // ---- ExchangeRest: not used by the kernel ------------------------------------------------------------------------

  getServerTime(): never {
    throw new Error('ScriptedVenue: getServerTime is not scripted');
  }
  getInstruments(): never {
    throw new Error('ScriptedVenue: getInstruments is not scripted');
  }
  getOrderbook(): never {
    throw new Error('ScriptedVenue: getOrderbook is not scripted');
  }
  getKlines(): never {
    throw new Error('ScriptedVenue: getKlines is not scripted');
  }
  amendOrder(): never {
    throw new Error('ScriptedVenue: amendOrder is not scripted');
  }
  cancelOrder(): never {
    throw new Error('ScriptedVenue: cancelOrder is not scripted');
  }
  cancelAll(): never {
    throw new Error('ScriptedVenue: cancelAll is not scripted');
  }
  getWalletBalance(): never {
    throw new Error('ScriptedVenue: getWalletBalance is not scripted');
  }

  // ---- internals ----------------------------------------------------------------------------------------------------

  private accept(request: PlaceOrderRequest): OrderAck {
    const orderLinkId = request.orderLinkId ?? '';
    this.sequence += 1;
    const orderId = `venue-order-${this.sequence}`;
    this.known.set(orderLinkId, {
      orderId,
      orderLinkId,
      symbol: request.symbol,
      side: request.side,
      orderType: request.orderType,
      price: request.price ?? '0',
      qty: request.qty,
      timeInForce: request.timeInForce ?? 'IOC',
      positionIdx: 0,
      status: 'New',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      avgPrice: null,
      leavesQty: request.qty,
      cumExecQty: '0',
      cumExecValue: '0',
      cumExecFee: '0',
      cumFeeDetail: null,
      triggerPrice: '',
      takeProfit: '',
      stopLoss: '',
      reduceOnly: request.reduceOnly ?? false,
      createType: 'CreateByUser',
      createdTime: 1_764_000_000_000 + this.sequence,
      updatedTime: 1_764_000_000_000 + this.sequence,
    });
    return { orderId, orderLinkId };
  }

  private matching(orderLinkId: string | undefined): ExchangeOrder[] {
    return [...this.known.values()].filter((o) => orderLinkId === undefined || o.orderLinkId === orderLinkId);
  }

  private move(symbol: string, side: 'Buy' | 'Sell', qty: number, reduce: boolean): void {
    const current = this.held.get(symbol) ?? { side: '' as const, size: '0' };
    const signed = (current.side === 'Sell' ? -1 : 1) * Number(current.size) + (side === 'Buy' ? qty : -qty);
    const size = round(Math.abs(signed));
    this.held.set(
      symbol,
      size === 0 || (reduce && size < 1e-12)
        ? { side: '', size: '0' }
        : { side: signed > 0 ? 'Buy' : 'Sell', size: String(size) },
    );
  }
}

/** A private stream the test pushes into (kernel.connect subscribes to it). */
export class ScriptedPrivateStream extends PrivateStream {
  private readonly listeners = new Map<string, Set<(payload: never) => void>>();

  on<K extends keyof PrivateStreamEvents>(event: K, listener: (payload: PrivateStreamEvents[K]) => void): Unsubscribe {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: never) => void);
  }

  push<K extends keyof PrivateStreamEvents>(event: K, payload: PrivateStreamEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (p: PrivateStreamEvents[K]) => void)(payload);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  state(): ConnectionState {
    return 'connected';
  }
}

const OPEN = new Set<ExchangeOrder['status']>(['New', 'PartiallyFilled', 'Untriggered']);

const FLAT: ExchangePosition = {
  symbol: 'BTCUSDT',
  positionIdx: 0,
  side: '',
  size: '0',
  entryPrice: '0',
  positionValue: '0',
  leverage: '1',
  markPrice: '0',
  liqPrice: '',
  takeProfit: '',
  stopLoss: '',
  unrealisedPnl: '0',
  curRealisedPnl: '0',
  cumRealisedPnl: '0',
  positionStatus: 'Normal',
  seq: 0,
  createdTime: 0,
  updatedTime: 0,
};

function page<T>(items: T[]): Page<T> {
  return { items, nextCursor: null };
}

function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
