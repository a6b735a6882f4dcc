import type { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import type { AppConfig } from '../infra/config/app-config';
import { BotAutostart } from './bot-autostart';
import type { BotLifecycleService } from './bot-lifecycle.service';
import { BotError } from './domain/bot-state';

/** The exchange's started signal as a promise the test resolves, and a lifecycle recording start() calls. */
function harness(autostart: boolean, outcomes: Array<'ok' | 'refused'>) {
  let signalStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (signalStarted = resolve));
  const exchange = { whenStarted: () => started } as unknown as ExchangeConnectionService;
  const starts: string[] = [];
  const lifecycle = {
    start: (actor: string) => {
      starts.push(actor);
      return outcomes.shift() === 'refused'
        ? Promise.reject(new BotError('START_REFUSED', 'symbols held elsewhere'))
        : Promise.resolve({ changed: true });
    },
  } as unknown as BotLifecycleService;
  const config = { execution: { autostart } } as unknown as AppConfig;
  return { sut: new BotAutostart(config, lifecycle, exchange), signalStarted, starts };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe(BotAutostart.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should start the bot only once the exchange has signalled its first connection', async () => {
    const { sut, signalStarted, starts } = harness(true, ['ok']);

    sut.onApplicationBootstrap();
    await settle();
    expect(starts).toEqual([]);

    signalStarted();
    await settle();
    expect(starts).toEqual(['system']);
  });

  it('should retry every 5 s while the start is refused and stop retrying when destroyed', async () => {
    jest.useFakeTimers();
    const { sut, signalStarted, starts } = harness(true, ['refused', 'refused', 'ok']);
    signalStarted();

    sut.onApplicationBootstrap();
    await settle();
    expect(starts).toHaveLength(1);
    jest.advanceTimersByTime(4999);
    await settle();
    expect(starts).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(starts).toHaveLength(2);

    sut.onModuleDestroy();
    jest.advanceTimersByTime(10_000);
    await settle();
    expect(starts).toHaveLength(2);
  });

  it('should never start when BOT_AUTOSTART is off', async () => {
    const { sut, signalStarted, starts } = harness(false, ['ok']);
    signalStarted();

    sut.onApplicationBootstrap();
    await settle();

    expect(starts).toEqual([]);
  });
});
