import { FixedClock } from '../common/clock';
import type { ExchangeRest } from '../exchange/exchange.port';
import type { ExchangePosition, WalletBalance } from '../exchange/exchange.types';
import type { AppConfig } from '../infra/config/app-config';
import { ACCOUNT_LEVERAGE_MAX_AGE_MS, AccountLeverageReader } from './account-leverage.reader';

/** The two reads the reader makes, answered from tables; everything else of the port is never called. */
function venue(leverage: Record<string, string | Error>, equity: string | Error) {
  const calls = { positions: 0, wallet: 0 };
  const rest = {
    getPositions: (symbol?: string) => {
      calls.positions += 1;
      const answer = leverage[symbol ?? ''];
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve([{ symbol, side: '', size: '0', leverage: answer } as unknown as ExchangePosition]);
    },
    getWalletBalance: () => {
      calls.wallet += 1;
      if (equity instanceof Error) return Promise.reject(equity);
      return Promise.resolve({ totalEquity: '', coins: [{ coin: 'USDT', equity }] } as unknown as WalletBalance);
    },
  } as unknown as ExchangeRest;
  return { rest, calls };
}

const CONFIG = { trading: { pairs: ['BTCUSDT', 'ETHUSDT'] } } as unknown as AppConfig;

describe('AccountLeverageReader', () => {
  it('should read the leverage of every configured symbol, flat or not, and the equity', async () => {
    const { rest } = venue({ BTCUSDT: '10', ETHUSDT: '12.5' }, '10000.5');
    const sut = new AccountLeverageReader(rest, new FixedClock(0), CONFIG);

    expect(await sut.read()).toEqual({ bySymbol: { BTCUSDT: 10, ETHUSDT: 12.5 }, equityUsdt: '10000.5' });
  });

  it('should answer from its last reading within the max age, and refresh it in the background after it', async () => {
    const leverage: Record<string, string | Error> = { BTCUSDT: '10', ETHUSDT: '10' };
    const { rest, calls } = venue(leverage, '1');
    const clock = new FixedClock(0);
    const sut = new AccountLeverageReader(rest, clock, CONFIG);
    await sut.read();
    clock.advance(ACCOUNT_LEVERAGE_MAX_AGE_MS - 1);
    await sut.read();
    expect(calls).toEqual({ positions: 2, wallet: 1 });

    leverage.BTCUSDT = '20';
    clock.advance(1);
    // Stale: answered at once with the last reading while the exchange is asked again.
    expect((await sut.read()).bySymbol.BTCUSDT).toBe(10);
    expect(calls).toEqual({ positions: 4, wallet: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect((await sut.read()).bySymbol.BTCUSDT).toBe(20);
    expect(calls).toEqual({ positions: 4, wallet: 2 });
  });

  it('should keep the last known figures when a read fails, and say null when none is known', async () => {
    const answers: Record<string, string | Error> = { BTCUSDT: '10', ETHUSDT: new Error('timeout') };
    const wallet = { equity: '500' as string | Error };
    const clock = new FixedClock(0);
    const rest = {
      getPositions: (symbol: string) =>
        answers[symbol] instanceof Error
          ? Promise.reject(answers[symbol])
          : Promise.resolve([{ symbol, leverage: answers[symbol] } as unknown as ExchangePosition]),
      getWalletBalance: () =>
        wallet.equity instanceof Error
          ? Promise.reject(wallet.equity)
          : Promise.resolve({ totalEquity: '', coins: [{ coin: 'USDT', equity: wallet.equity }] } as never),
    } as unknown as ExchangeRest;
    const sut = new AccountLeverageReader(rest, clock, CONFIG);

    expect(await sut.read()).toEqual({ bySymbol: { BTCUSDT: 10, ETHUSDT: null }, equityUsdt: '500' });
    answers.BTCUSDT = new Error('breaker open');
    wallet.equity = new Error('breaker open');
    clock.advance(ACCOUNT_LEVERAGE_MAX_AGE_MS);
    await sut.read();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await sut.read()).toEqual({ bySymbol: { BTCUSDT: 10, ETHUSDT: null }, equityUsdt: '500' });
  });
});
