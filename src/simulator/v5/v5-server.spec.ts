import { SimVenue } from '../sim-venue';
import { mergeFaults, NO_FAULTS } from './fault-plan';
import { hmacHex } from './v5-signature';
import { V5RequestRecord, V5ResponseRecord, V5Server } from './v5-server';

/*
 * The server's test-facing capabilities, in process (Fastify inject: no socket): the traffic observer, the
 * configurable per-UID endpoint limits, the server clock it is given, and the status of injected HTTP errors.
 */
const KEY = 'sim-key';
const SECRET = 'sim-secret';
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

function aServer(options: Partial<ConstructorParameters<typeof V5Server>[0]> = {}): V5Server {
  const venue = new SimVenue({
    symbols: ['BTCUSDT'],
    seed: 7,
    makerFeeRate: '0.0002',
    takerFeeRate: '0.00055',
    initialBalanceUsdt: '10000',
    leverage: 10,
    stepMs: 10,
    startMs: NOW,
  });
  return new V5Server({
    venue,
    credentials: { [KEY]: SECRET },
    faults: NO_FAULTS,
    random: () => 0.5,
    now: () => NOW,
    ...options,
  });
}

function signedGet(path: string, query: string, timestamp = NOW, secret = SECRET) {
  return {
    method: 'GET' as const,
    url: `${path}?${query}`,
    headers: {
      'x-bapi-api-key': KEY,
      'x-bapi-timestamp': String(timestamp),
      'x-bapi-recv-window': '5000',
      'x-bapi-sign': hmacHex(secret, `${timestamp}${KEY}5000${query}`),
    },
  };
}

describe(V5Server.name, () => {
  let server: V5Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('traffic observer', () => {
    it('should report each request as received, with the signature verdict and the timestamp offset', async () => {
      server = aServer();
      const requests: V5RequestRecord[] = [];
      const responses: Array<[string, V5ResponseRecord]> = [];
      server.observe({
        request: (r) => requests.push(r),
        response: (r, answer) => responses.push([r.path, answer]),
      });

      await server.http.inject({ method: 'GET', url: '/v5/market/time' });
      await server.http.inject(signedGet('/v5/order/realtime', 'category=linear&symbol=BTCUSDT', NOW - 250));
      const refused = await server.http.inject(
        signedGet('/v5/order/realtime', 'category=linear&symbol=BTCUSDT', NOW, 'wrong-secret'),
      );

      expect(refused.json()).toMatchObject({ retCode: 10004 });
      expect(requests.map((r) => [r.method, r.path, r.rawQuery, r.signatureValid, r.timestampOffsetMs])).toEqual([
        ['GET', '/v5/market/time', '', null, null],
        ['GET', '/v5/order/realtime', 'category=linear&symbol=BTCUSDT', true, -250],
        ['GET', '/v5/order/realtime', 'category=linear&symbol=BTCUSDT', false, 0],
      ]);
      expect(requests[1].headers['x-bapi-api-key']).toBe(KEY);
      expect(responses[1]).toEqual([
        '/v5/order/realtime',
        {
          status: 200,
          headers: expect.objectContaining({
            'x-bapi-limit': '50',
            'x-bapi-limit-status': '49',
            'x-bapi-limit-reset-timestamp': String(NOW),
          }),
        },
      ]);
    });

    it('should record a POST body exactly as sent, and stop reporting once the observer is removed', async () => {
      server = aServer();
      const requests: V5RequestRecord[] = [];
      const stop = server.observe({ request: (r) => requests.push(r) });
      const body = '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.001"}';

      await server.http.inject({
        method: 'POST',
        url: '/v5/order/create',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-bapi-api-key': KEY,
          'x-bapi-timestamp': String(NOW),
          'x-bapi-recv-window': '5000',
          'x-bapi-sign': hmacHex(SECRET, `${NOW}${KEY}5000${body}`),
        },
      });
      stop();
      await server.http.inject({ method: 'GET', url: '/v5/market/time' });

      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ method: 'POST', rawBody: body, rawQuery: '', signatureValid: true });
    });
  });

  it('should enforce and report the endpoint limits it is given over the defaults', async () => {
    server = aServer({ endpointLimits: { '/v5/order/realtime': 2 } });

    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await server.http.inject(signedGet('/v5/order/realtime', 'category=linear&symbol=BTCUSDT')));

    expect(answers.map((a) => [a.headers['x-bapi-limit'], a.headers['x-bapi-limit-status'], a.json().retCode])).toEqual(
      [
        ['2', '1', 0],
        ['2', '0', 0],
        ['2', '0', 10006],
      ],
    );
  });

  it('should answer the server time from the clock it is given (a skewed venue clock)', async () => {
    server = aServer({ now: () => NOW - 3000 });

    const answer = (await server.http.inject({ method: 'GET', url: '/v5/market/time' })).json();

    expect(answer.result.timeNano).toBe(`${NOW - 3000}000000`);
    // A request signed on the machine's clock is 3 s in the server's future: outside [now - window, now + 1 s).
    expect(
      (await server.http.inject(signedGet('/v5/order/realtime', 'category=linear&symbol=BTCUSDT'))).json(),
    ).toMatchObject({ retCode: 10002 });
  });

  it('should inject HTTP errors with the configured status', async () => {
    server = aServer({ faults: mergeFaults(NO_FAULTS, { httpErrorRate: 1, httpErrorStatus: 502 }) });

    const answer = await server.http.inject({ method: 'GET', url: '/v5/market/time' });

    expect(answer.statusCode).toBe(502);
  });
});
