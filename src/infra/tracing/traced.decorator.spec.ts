import { ConsoleLogger, Logger, SetMetadata } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentSpan, currentTrace } from './trace-context';
import { Traced } from './traced.decorator';

const ROUTE_METADATA = 'probe:route';

class MarketMaker {
  readonly calls: string[] = [];

  @Traced()
  async quote(symbol: string): Promise<{ symbol: string; span?: string; traceId?: string }> {
    await sleep(1);
    return { symbol, span: currentSpan(), traceId: currentTrace()?.traceId };
  }

  @Traced('maker.cancel')
  async cancel(): Promise<void> {
    await sleep(1);
    throw new Error('cancel rejected');
  }

  @Traced()
  tick(n: number): number {
    this.calls.push(`tick ${n} in ${currentSpan()}`);
    return n + 1;
  }

  @Traced()
  async nested(): Promise<Array<string | undefined>> {
    const outer = currentTrace()?.traceId;
    const inner = await this.quote('ETHUSDT');
    return [outer, inner.traceId, inner.span, currentSpan()];
  }

  // Nest's route, guard and event decorators store their metadata on the method function, like SetMetadata.
  @Traced()
  @SetMetadata(ROUTE_METADATA, '/quotes')
  tracedLast(): string {
    return 'ok';
  }

  @SetMetadata(ROUTE_METADATA, '/orders')
  @Traced()
  tracedFirst(): string {
    return 'ok';
  }

  @Traced()
  static build(): string | undefined {
    return currentSpan();
  }
}

describe(Traced.name, () => {
  let sut: MarketMaker;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  beforeEach(() => {
    sut = new MarketMaker();
  });

  it('should run an async method in a span named Class.method with a trace id', async () => {
    const result = await sut.quote('BTCUSDT');

    expect(result).toEqual({
      symbol: 'BTCUSDT',
      span: 'MarketMaker.quote',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('should keep `this` and arguments and return a sync result synchronously', () => {
    expect(sut.tick(1)).toBe(2);
    expect(sut.calls).toEqual(['tick 1 in MarketMaker.tick']);
  });

  it('should propagate a rejection unchanged', async () => {
    await expect(sut.cancel()).rejects.toThrow('cancel rejected');
  });

  it('should nest a traced call under the caller and keep one trace id', async () => {
    const [outer, inner, innerSpan, afterInner] = await sut.nested();

    expect(inner).toBe(outer);
    expect(innerSpan).toBe('MarketMaker.quote');
    expect(afterInner).toBe('MarketMaker.nested');
  });

  it('should keep metadata other decorators put on the method, in either order, and its name', () => {
    expect(Reflect.getMetadata(ROUTE_METADATA, MarketMaker.prototype.tracedLast)).toBe('/quotes');
    expect(Reflect.getMetadata(ROUTE_METADATA, MarketMaker.prototype.tracedFirst)).toBe('/orders');
    expect(MarketMaker.prototype.tracedLast.name).toBe('tracedLast');
  });

  it('should name a static method after its class', () => {
    expect(MarketMaker.build()).toBe('MarketMaker.build');
  });
});
