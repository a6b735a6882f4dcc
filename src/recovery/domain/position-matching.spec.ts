import {
  adoptedPositionRecord,
  alignedEntryPrice,
  alignedQuantity,
  HeldPosition,
  isAligned,
  matchPositions,
  RecordedPosition,
} from './position-matching';

const PAIRS = ['BTCUSDT', 'ETHUSDT'];

const held = (symbol: string, side: string, size = '0.01', leverage = '10'): HeldPosition => ({
  symbol,
  side,
  size,
  leverage,
});
const recorded = (id: string, symbol: string, side: string): RecordedPosition => ({ id, symbol, side });
const kinds = (repairs: readonly { kind: string; position?: RecordedPosition; held?: HeldPosition }[]) =>
  repairs.map((r) => `${r.kind}:${r.position?.id ?? r.held?.symbol}`);

describe(matchPositions.name, () => {
  it('should align a recorded position with the exchange position of the same symbol and side', () => {
    const sut = matchPositions([held('BTCUSDT', 'Buy')], [recorded('p1', 'BTCUSDT', 'Buy')], new Set(), PAIRS);

    expect(kinds(sut.repairs)).toEqual(['align:p1']);
    expect(sut.checked).toBe(1);
  });

  it('should close a recorded position the exchange no longer holds', () => {
    const sut = matchPositions([held('BTCUSDT', '', '0')], [recorded('p1', 'BTCUSDT', 'Buy')], new Set(), PAIRS);

    expect(kinds(sut.repairs)).toEqual(['close-flat:p1']);
  });

  it('should close a recorded position when the exchange holds the other side, and adopt the exchange one', () => {
    const sut = matchPositions([held('BTCUSDT', 'Sell')], [recorded('p1', 'BTCUSDT', 'Buy')], new Set(), PAIRS);

    expect(kinds(sut.repairs)).toEqual(['close-flat:p1', 'adopt:BTCUSDT']);
  });

  it('should adopt an exchange position nothing in the database records', () => {
    const sut = matchPositions([held('ETHUSDT', 'Buy')], [], new Set(), PAIRS);

    expect(kinds(sut.repairs)).toEqual(['adopt:ETHUSDT']);
  });

  it('should match only the first of two recorded rows of one side and close the other', () => {
    const sut = matchPositions(
      [held('BTCUSDT', 'Buy')],
      [recorded('p1', 'BTCUSDT', 'Buy'), recorded('p2', 'BTCUSDT', 'Buy')],
      new Set(),
      PAIRS,
    );

    expect(kinds(sut.repairs)).toEqual(['align:p1', 'close-flat:p2']);
  });

  it('should leave a position with a working order alone and not adopt the exchange position it accounts for', () => {
    const sut = matchPositions([held('BTCUSDT', 'Buy')], [recorded('p1', 'BTCUSDT', 'Buy')], new Set(['p1']), PAIRS);

    expect(sut.repairs).toEqual([]);
    expect(sut.checked).toBe(1);
  });

  it('should ignore symbols this instance does not trade, and report the lowest leverage of its own', () => {
    const sut = matchPositions(
      [held('SOLUSDT', 'Buy', '1', '2'), held('BTCUSDT', '', '0', '5'), held('ETHUSDT', '', '0', '0')],
      [],
      new Set(),
      PAIRS,
    );

    expect(sut.repairs).toEqual([]);
    expect(sut.checked).toBe(0);
    expect(sut.leverage).toBe(5);
  });

  it('should report no leverage when the exchange reports none of at least 1', () => {
    expect(matchPositions([], [], new Set(), PAIRS).leverage).toBeUndefined();
  });
});

describe(isAligned.name, () => {
  it('should need nothing for an Open position of the exchange size, however the decimals are written', () => {
    expect(isAligned({ quantity: '0.01000000', status: 'Open' }, { size: '0.010' }, '0.001')).toBe(true);
  });

  it('should align a different size, or the right size not yet Open', () => {
    expect(isAligned({ quantity: '0.01', status: 'Open' }, { size: '0.02' }, '0.001')).toBe(false);
    expect(isAligned({ quantity: '0.01', status: 'Opening' }, { size: '0.01' }, '0.001')).toBe(false);
  });

  it('should compare the text when the instrument is unknown', () => {
    expect(isAligned({ quantity: '0.01', status: 'Open' }, { size: '0.01' }, undefined)).toBe(true);
    expect(isAligned({ quantity: '0.010', status: 'Open' }, { size: '0.01' }, undefined)).toBe(false);
  });
});

describe(alignedQuantity.name, () => {
  it("should put the exchange's size on the qty step, or keep it as sent without one", () => {
    expect(alignedQuantity({ size: '0.0204' }, '0.001')).toBe('0.020');
    expect(alignedQuantity({ size: '0.0204' }, undefined)).toBe('0.0204');
  });
});

describe(alignedEntryPrice.name, () => {
  it("should take the exchange's entry price, unless it reports none", () => {
    expect(alignedEntryPrice({ entryPrice: '101.5' }, '100')).toBe('101.5');
    expect(alignedEntryPrice({ entryPrice: '0' }, '100')).toBe('100');
    expect(alignedEntryPrice({ entryPrice: '' }, null)).toBeNull();
  });
});

describe(adoptedPositionRecord.name, () => {
  const pct = { takeProfitPct: 1, stopLossPct: 0.5 };

  it('should write an Opening row with exits around the entry price on the tick grid', () => {
    const sut = adoptedPositionRecord(
      { symbol: 'BTCUSDT', side: 'Sell', entryPrice: '100.04' },
      '0.1',
      pct,
      Date.UTC(2026, 0, 1),
      'trace-1',
    );

    expect(sut).toEqual({
      symbol: 'BTCUSDT',
      side: 'Sell',
      takeProfit: '99.0',
      stopLoss: '100.5',
      entryReason: 'adopted by reconciliation',
      traceId: 'trace-1',
      stateHistory: [
        {
          from: null,
          to: 'Opening',
          at: '2026-01-01T00:00:00.000Z',
          cause: 'adopted by reconciliation',
          traceId: 'trace-1',
        },
      ],
    });
  });

  it('should leave the exits empty when the entry price or the instrument is unknown', () => {
    const noPrice = adoptedPositionRecord({ symbol: 'BTCUSDT', side: 'Buy', entryPrice: '' }, '0.1', pct, 0, undefined);
    const noInstrument = adoptedPositionRecord(
      { symbol: 'X', side: 'Buy', entryPrice: '100' },
      undefined,
      pct,
      0,
      undefined,
    );

    expect([noPrice.takeProfit, noPrice.stopLoss, noInstrument.takeProfit, noInstrument.stopLoss]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(noPrice).toMatchObject({ side: 'Buy', traceId: null });
  });
});
