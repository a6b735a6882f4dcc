import { eventChannels, parseChannel, parseClientMessage, pushFrame } from './ws-protocol';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

describe('ws-protocol', () => {
  describe(parseChannel.name, () => {
    it('should accept orders and positions for every symbol and per configured symbol, case-insensitively', () => {
      expect(parseChannel('orders', SYMBOLS)).toEqual({ ok: true, value: { kind: 'orders', name: 'orders' } });
      expect(parseChannel('positions', SYMBOLS)).toEqual({ ok: true, value: { kind: 'positions', name: 'positions' } });
      expect(parseChannel('orders:btcusdt', SYMBOLS)).toEqual({
        ok: true,
        value: { kind: 'orders', symbol: 'BTCUSDT', name: 'orders:BTCUSDT' },
      });
      expect(parseChannel('positions:ETHUSDT', SYMBOLS)).toEqual({
        ok: true,
        value: { kind: 'positions', symbol: 'ETHUSDT', name: 'positions:ETHUSDT' },
      });
    });

    it('should accept the global backtests channel, and no per-symbol variant of it', () => {
      expect(parseChannel('backtests', SYMBOLS)).toEqual({ ok: true, value: { kind: 'backtests', name: 'backtests' } });
      expect(parseChannel('backtests:BTCUSDT', SYMBOLS)).toMatchObject({
        ok: false,
        error: expect.stringContaining('backtests'),
      });
    });

    it('should refuse an unconfigured symbol, a symbol on a global channel, and unknown names', () => {
      expect(parseChannel('orders:DOGEUSDT', SYMBOLS)).toMatchObject({
        ok: false,
        error: expect.stringContaining('DOGEUSDT'),
      });
      expect(parseChannel('signals:BTCUSDT', SYMBOLS)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^unknown channel signals:BTCUSDT/),
      });
      expect(parseChannel('order', SYMBOLS)).toMatchObject({
        ok: false,
        error: expect.stringContaining('orders[:{symbol}]'),
      });
      expect(parseChannel('orders:', SYMBOLS)).toMatchObject({ ok: false });
      expect(parseChannel('orderbook', SYMBOLS)).toMatchObject({ ok: false }); // orderbook always names its symbol
    });

    it('should de-duplicate the same channel written twice in one subscribe', () => {
      const parsed = parseClientMessage(
        JSON.stringify({ op: 'subscribe', channels: ['orders:btcusdt', 'orders:BTCUSDT', 'orders'] }),
        SYMBOLS,
      );
      expect(parsed).toMatchObject({ ok: true, value: { channels: [{ name: 'orders:BTCUSDT' }, { name: 'orders' }] } });
    });
  });

  it('should name the all-symbols channel and the symbol channel of an event', () => {
    expect(eventChannels('orders', 'BTCUSDT')).toEqual(['orders', 'orders:BTCUSDT']);
  });

  it('should put seq in the envelope of event frames only', () => {
    expect(JSON.parse(pushFrame('bot', { a: 1 }))).toEqual({ channel: 'bot', data: { a: 1 } });
    expect(pushFrame('orders', { a: 1 }, 7)).toBe('{"channel":"orders","seq":7,"data":{"a":1}}');
  });
});
