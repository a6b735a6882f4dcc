import { hmacHex } from './v5-signature';
import { symbolOfTopic, V5WsSession } from './v5-ws-session';

const NOW = 1_700_000_000_000;
const secretOf = (key: string) => (key === 'k' ? 's' : undefined);
const session = (kinds: Array<'public' | 'private'>) =>
  new V5WsSession('conn-1', new Set(kinds), secretOf, (s) => s === 'BTCUSDT');

describe(V5WsSession.name, () => {
  it('should answer a public ping with ret_msg pong and echo req_id', () => {
    const { replies } = session(['public']).handle('{"op":"ping","req_id":"7"}', NOW);
    expect(JSON.parse(replies[0])).toEqual({
      success: true,
      ret_msg: 'pong',
      req_id: '7',
      op: 'ping',
      conn_id: 'conn-1',
    });
  });

  it('should answer a private ping with op pong and the server time', () => {
    const { replies } = session(['private']).handle('{"op":"ping"}', NOW);
    expect(JSON.parse(replies[0])).toEqual({ req_id: '', op: 'pong', args: [String(NOW)], conn_id: 'conn-1' });
  });

  it('should ack a subscribe and report the new topics once', () => {
    const sut = session(['public']);
    const first = sut.handle(
      '{"op":"subscribe","req_id":"a","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]}',
      NOW,
    );
    expect(JSON.parse(first.replies[0])).toMatchObject({ success: true, op: 'subscribe', req_id: 'a' });
    expect(first.subscribed).toEqual(['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT']);
    expect(sut.handle('{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}', NOW).subscribed).toEqual([]);
  });

  it('should refuse an unknown topic or symbol with success false', () => {
    expect(
      JSON.parse(session(['public']).handle('{"op":"subscribe","args":["orderbook.25.BTCUSDT"]}', NOW).replies[0]),
    ).toMatchObject({ success: false, ret_msg: 'Invalid topic: orderbook.25.BTCUSDT' });
    expect(
      JSON.parse(session(['public']).handle('{"op":"subscribe","args":["tickers.DOGEUSDT"]}', NOW).replies[0]),
    ).toMatchObject({ success: false });
  });

  it('should require auth before private topics and accept them after', () => {
    const sut = session(['private']);
    expect(JSON.parse(sut.handle('{"op":"subscribe","args":["order"]}', NOW).replies[0])).toMatchObject({
      success: false,
    });
    const expires = NOW + 5000;
    const auth = sut.handle(
      JSON.stringify({ op: 'auth', req_id: 'x-auth', args: ['k', expires, hmacHex('s', `GET/realtime${expires}`)] }),
      NOW,
    );
    expect(JSON.parse(auth.replies[0])).toMatchObject({ success: true, op: 'auth', req_id: 'x-auth' });
    expect(
      sut.handle('{"op":"subscribe","args":["order","execution","position","wallet"]}', NOW).subscribed,
    ).toHaveLength(4);
  });

  it('should refuse public topics on the private path', () => {
    expect(
      JSON.parse(session(['private']).handle('{"op":"subscribe","args":["publicTrade.BTCUSDT"]}', NOW).replies[0]),
    ).toMatchObject({ success: false });
  });

  it('should extract the symbol of public topics', () => {
    expect(symbolOfTopic('kline.1.ETHUSDT')).toBe('ETHUSDT');
    expect(symbolOfTopic('orderbook.1000.SOLUSDT')).toBe('SOLUSDT');
    expect(symbolOfTopic('order')).toBeUndefined();
  });
});
