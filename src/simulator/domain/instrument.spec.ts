import { Dec } from './exact-decimal';
import { Instrument, linearInstrumentInfo } from './instrument';
import { SimulatorRejection } from './v5-errors';

function retCodeOf(call: () => unknown): number {
  try {
    call();
  } catch (error) {
    if (error instanceof SimulatorRejection) return error.retCode;
    throw error;
  }
  throw new Error('expected a SimulatorRejection');
}

describe(Instrument.name, () => {
  // ETHUSDT from http_get_instruments_linear.json: tick 0.05, step 0.01, priceScale 2.
  const sut = new Instrument(
    linearInstrumentInfo('ETHUSDT', {
      priceScale: '2',
      priceFilter: { minPrice: '0.1', maxPrice: '100000', tickSize: '0.05' },
      lotSizeFilter: {
        minOrderQty: '0.01',
        maxOrderQty: '1000.0',
        maxMktOrderQty: '500.0',
        qtyStep: '0.01',
        minNotionalValue: '5',
      },
    }),
  );

  it('should convert prices and quantities exactly when they are on the grid', () => {
    expect(sut.parsePrice('3000.05')).toBe(60001);
    expect(sut.price(60001)).toBe('3000.05');
    expect(sut.parseQty('1.50', 'Limit')).toBe(150);
    expect(sut.qty(150)).toBe('1.50');
    expect(sut.qty(0)).toBe('0');
    expect(sut.value(60001, 150).toString()).toBe('4500.075');
  });

  it('should print prices with priceScale decimals when the tick has fewer', () => {
    const btc = new Instrument(
      linearInstrumentInfo('BTCUSDT', {
        priceScale: '2',
        priceFilter: { minPrice: '1', maxPrice: '1000000', tickSize: '0.5' },
      }),
    );
    expect(btc.price(btc.parsePrice('30000.5'))).toBe('30000.50');
    expect(btc.formatAvgPrice(btc.priceDec(60001).add(btc.priceDec(60002)).div(Dec.of(2), 12, 'half-up'))).toBe(
      '30000.75',
    );
  });

  it('should reject orders outside the filters with Bybit retCodes', () => {
    expect(retCodeOf(() => sut.parsePrice('3000.01'))).toBe(10001);
    expect(retCodeOf(() => sut.parsePrice('0.05'))).toBe(110003);
    expect(retCodeOf(() => sut.parsePrice(undefined))).toBe(10001);
    expect(retCodeOf(() => sut.parseQty('0.005', 'Limit'))).toBe(110017);
    expect(retCodeOf(() => sut.parseQty('600', 'Market'))).toBe(10001);
    expect(sut.parseQty('600', 'Limit')).toBe(60000);
    expect(retCodeOf(() => sut.parseQty('1.234', 'Limit'))).toBe(10001);
    expect(retCodeOf(() => sut.checkMinNotional(sut.parsePrice('100'), 4))).toBe(110094);
    expect(() => sut.checkMinNotional(sut.parsePrice('100'), 5)).not.toThrow();
  });

  it('should accept leverage inside the leverage filter only', () => {
    expect(sut.checkLeverage('12.5').toString()).toBe('12.5');
    expect(retCodeOf(() => sut.checkLeverage('0.5'))).toBe(10001);
    expect(retCodeOf(() => sut.checkLeverage('101'))).toBe(10001);
    expect(retCodeOf(() => sut.checkLeverage('2.001'))).toBe(10001);
  });
});
