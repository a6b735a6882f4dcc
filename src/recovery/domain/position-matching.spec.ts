import { HeldPosition, matchPositions, RecordedPosition } from './position-matching';

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
