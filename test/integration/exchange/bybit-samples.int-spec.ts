/**
 * The answers and frames Bybit itself sent (shared/data/bybit/v5-samples), through the parsers BybitRestClient,
 * BybitMarketStream and BybitPrivateStream apply to them. The simulator writes its own answers in the same shapes
 * (bybit-rest.int-spec.ts and bybit-streams.int-spec.ts run the transport against it); these recorded ones keep
 * the parsers honest about what the real venue sends (sparse fields, spot frames on the same account).
 * Real: the recorded samples and the parsers. Nothing is served: no transport here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  mergeTicker,
  parseBookMessage,
  parseCandles,
  parseExecution,
  parseInstrument,
  parseKlineRow,
  parseOrder,
  parseOrderbook,
  parsePosition,
  parseTradesMessage,
  parseWallet,
  Raw,
} from '../../../src/exchange/bybit/bybit.parse';
import { sharedPath } from '../../support/shared-data';

const SAMPLES_DIR = sharedPath('data/bybit/v5-samples');
const RECEIVED_AT = 1_700_000_000_000;

function sample<T = Raw>(name: string): T {
  return JSON.parse(readFileSync(join(SAMPLES_DIR, name), 'utf8')) as T;
}

/** The `result.list` of a recorded REST answer. */
function listOf(name: string): Raw[] {
  return sample<{ result: { list: Raw[] } }>(name).result.list;
}

describe('Bybit V5 samples, REST answers', () => {
  it('should parse an open order', () => {
    expect(parseOrder(listOf('http_get_orders_realtime.json')[0])).toMatchObject({
      orderId: 'open-order-1',
      status: 'New',
      avgPrice: null,
      price: '3930.41',
    });
  });

  it('should parse market data, wallet, executions and positions', () => {
    const book = parseOrderbook(sample<{ result: Raw }>('http_get_orderbook.json').result);
    expect(book).toMatchObject({
      symbol: 'BTCUSDT',
      updateId: 1234567,
      seq: 9876543,
      bids: [
        ['27450.50', '1.500'],
        ['27450.00', '2.000'],
        ['27449.50', '0.750'],
      ],
    });
    const [kline] = sample<{ result: { list: unknown[][] } }>('http_get_klines_linear.json').result.list;
    expect(parseKlineRow(kline)).toEqual({
      start: 1709891679000,
      open: '27450',
      high: '27460',
      low: '27440',
      close: '27455',
      volume: '123.45',
      turnover: '3390000',
    });
    expect(parseWallet(listOf('http_get_wallet_balance.json')[0])).toMatchObject({
      accountType: 'UNIFIED',
      totalEquity: '3.31216591',
    });
    expect(parseExecution(listOf('http_get_executions.json')[0])).toMatchObject({
      execId: 'e0cbe81d-0f18-5866-9415-cf319b5dab3b',
      isMaker: true,
      execTime: 1672282722429,
    });
    expect(parsePosition(listOf('http_get_positions.json')[0])).toMatchObject({
      symbol: 'BTCUSDT',
      side: 'Buy',
      size: '0.5',
      entryPrice: '50000.00',
    });
  });

  it('should parse the instrument filters', () => {
    const btc = listOf('http_get_instruments_linear.json').find((raw) => raw.symbol === 'BTCUSDT');
    expect(btc && parseInstrument(btc)).toMatchObject({
      tickSize: '0.5',
      qtyStep: '0.001',
      minOrderQty: '0.001',
      minNotionalValue: '5',
    });
  });
});

describe('Bybit V5 samples, stream frames', () => {
  it('should parse a book snapshot then a delta', () => {
    const snapshot = sample<Raw & { data: Raw }>('ws_orderbook_snapshot.json');
    const delta = sample<Raw & { data: Raw }>('ws_orderbook_delta.json');
    const topic = 'orderbook.50.BTCUSDT';

    expect(
      parseBookMessage({ ...snapshot, topic, data: { ...snapshot.data, s: 'BTCUSDT' } }, 50, RECEIVED_AT),
    ).toMatchObject({
      type: 'snapshot',
      symbol: 'BTCUSDT',
      depth: 50,
      updateId: 123456789,
      bids: [
        ['27450.00', '0.500'],
        ['27449.50', '1.000'],
      ],
    });
    const parsed = parseBookMessage({ ...delta, topic }, 50, RECEIVED_AT);
    expect([parsed.type, parsed.updateId]).toEqual(['delta', 123456790]);
    expect(parsed.asks).toEqual([['27451.00', '0']]);
  });

  it('should parse trades, candles and merge ticker deltas', () => {
    expect(
      parseTradesMessage({ ...sample('ws_public_trade.json'), topic: 'publicTrade.BTCUSDT' }, RECEIVED_AT),
    ).toMatchObject({
      symbol: 'BTCUSDT',
      trades: [{ side: 'Buy', price: '27451.00', size: '0.010', time: 1709891679000 }],
    });
    expect(
      parseCandles({ ...sample('ws_kline.json'), topic: 'kline.1.BTCUSDT' }, 'BTCUSDT', RECEIVED_AT)[0],
    ).toMatchObject({ symbol: 'BTCUSDT', open: '16649.5', close: '16677', confirm: false });
    const first = mergeTicker(undefined, sample('ws_ticker_linear.json'), RECEIVED_AT);
    const merged = mergeTicker(
      first,
      {
        topic: 'tickers.BTCUSDT',
        type: 'delta',
        data: { symbol: 'BTCUSDT', lastPrice: '17217.50' },
        cs: 1,
        ts: 1673272861700,
      },
      RECEIVED_AT,
    );
    expect(merged).toMatchObject({ lastPrice: '17217.50', markPrice: '17217.33', bid1Price: '17215.50' });
  });

  it('should parse order, execution, position and wallet pushes', () => {
    const dataOf = (name: string) => sample<{ data: Raw[] }>(name).data[0];
    expect(parseOrder(dataOf('ws_account_order.json'))).toMatchObject({
      orderId: 'abcdef123456',
      status: 'Cancelled',
      avgPrice: null,
      cumExecFee: '0',
      cancelType: 'CancelByUser',
    });
    expect(parseExecution(dataOf('ws_account_execution.json'))).toMatchObject({
      symbol: 'BTCUSDT',
      execId: '0ab1bdf7-4219-438b-b30a-32ec863018f7',
      execPrice: '95900.1',
      execQty: '0.5',
    });
    expect(parsePosition(dataOf('ws_account_position.json'))).toMatchObject({
      symbol: 'ETHUSDT',
      side: 'Sell',
      size: '0.01',
      entryPrice: '3641.075',
    });
    expect(parseWallet(dataOf('ws_account_wallet.json'))).toMatchObject({ totalEquity: '10262.91335023' });
  });
});
