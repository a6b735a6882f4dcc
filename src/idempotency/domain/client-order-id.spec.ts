import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { clientOrderIdFor, ClientOrderIdError, parseClientOrderId } from './client-order-id';

const VALID = /^[A-Za-z0-9_-]{1,36}$/;
const POSITION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('clientOrderIdFor', () => {
  it('should derive the same id from the same source', () => {
    expect(clientOrderIdFor({ kind: 'entry', signalId: 'sig-1' })).toBe(
      clientOrderIdFor({ kind: 'entry', signalId: 'sig-1' }),
    );
    expect(clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 3 })).toBe(
      clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 3 }),
    );
  });

  it('should keep a short signal id readable behind the entry prefix', () => {
    expect(clientOrderIdFor({ kind: 'entry', signalId: 'a1b2_c3-d4' })).toBe('Ea1b2_c3-d4');
  });

  it('should hash a signal id that is too long or has characters Bybit refuses', () => {
    const long = 'x'.repeat(36);
    const expected = `Eh${createHash('sha256').update(long).digest('hex').slice(0, 32)}`;
    expect(clientOrderIdFor({ kind: 'entry', signalId: long })).toBe(expected);
    const odd = clientOrderIdFor({ kind: 'entry', signalId: 'sig:1/α' });
    expect(odd).toMatch(/^Eh[0-9a-f]{32}$/);
    expect(clientOrderIdFor({ kind: 'entry', signalId: 'x'.repeat(37) })).not.toBe(expected);
  });

  it('should never let a verbatim signal id equal the hashed id of another', () => {
    const hashed = clientOrderIdFor({ kind: 'entry', signalId: 'y'.repeat(40) });
    const lookalike = hashed.slice(1); // `h` + 32 hex: would be `E` + it verbatim
    expect(clientOrderIdFor({ kind: 'entry', signalId: lookalike })).not.toBe(hashed);
  });

  it('should build exit ids from the position uuid and a base-36 attempt', () => {
    const id = clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 37 });
    expect(id).toBe('X3f2504e04f8941d39a0c0305e82c330111');
    expect(id).toHaveLength(35);
    expect(clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 0 }).endsWith('00')).toBe(true);
    expect(clientOrderIdFor({ kind: 'exit', positionId: POSITION.toUpperCase(), attempt: 1 })).toBe(
      clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 1 }),
    );
  });

  it('should always be at most 36 allowed characters', () => {
    const ids = [
      ...['a', 'x'.repeat(35), 'x'.repeat(36), 'z'.repeat(500), 'ünïcode', 'spaces here', '0'].map((signalId) =>
        clientOrderIdFor({ kind: 'entry', signalId }),
      ),
      ...[0, 1, 35, 36, 1295].map((attempt) => clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt })),
    ];
    for (const id of ids) expect({ id, valid: VALID.test(id) }).toEqual({ id, valid: true });
  });

  it('should keep entry and exit ids apart even for the same text', () => {
    const entry = clientOrderIdFor({ kind: 'entry', signalId: POSITION.replace(/-/g, '') + '01' });
    const exit = clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 1 });
    expect(entry[0]).toBe('E');
    expect(exit[0]).toBe('X');
    expect(entry).not.toBe(exit);
  });

  it('should give the verbatim or hashed id the written rule defines, for any signal id', () => {
    // The rule as first written with regular expressions; the code checks it with character loops.
    const byRule = (signalId: string) =>
      `E${signalId}`.length <= 36 && /^[A-Za-z0-9_-]+$/.test(signalId) && !/^Eh[0-9a-f]{32}$/.test(`E${signalId}`)
        ? `E${signalId}`
        : `Eh${createHash('sha256').update(signalId, 'utf8').digest('hex').slice(0, 32)}`;
    const hexTail = fc.stringMatching(/^[0-9a-hA-H][0-9a-fA-F]{30,34}$/);
    const linkText = fc.stringMatching(/^[A-Za-z0-9_:. -]{1,40}$/);
    const hex32 = '0123456789abcdef'.repeat(2);
    for (const signalId of [
      `h${hex32}`,
      `a${hex32}`,
      `h${hex32.slice(1)}g`,
      `h${hex32.toUpperCase()}`,
      `h${hex32}0`,
      'x'.repeat(35),
      'x'.repeat(36),
      'a b',
      '-_',
    ]) {
      expect(clientOrderIdFor({ kind: 'entry', signalId })).toBe(byRule(signalId));
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), hexTail, linkText), (signalId) => {
        expect(clientOrderIdFor({ kind: 'entry', signalId })).toBe(byRule(signalId));
      }),
      { numRuns: 2000 },
    );
  });

  it('should refuse sources no id can be derived from', () => {
    expect(() => clientOrderIdFor({ kind: 'entry', signalId: '' })).toThrow(ClientOrderIdError);
    expect(() => clientOrderIdFor({ kind: 'exit', positionId: 'not-a-uuid', attempt: 0 })).toThrow(ClientOrderIdError);
    expect(() => clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 1296 })).toThrow(ClientOrderIdError);
    expect(() => clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 1.5 })).toThrow(ClientOrderIdError);
  });
});

describe('parseClientOrderId', () => {
  it("should recognise the bot's own ids", () => {
    expect(parseClientOrderId(clientOrderIdFor({ kind: 'entry', signalId: 'sig-1' }))).toEqual({ kind: 'entry' });
    expect(parseClientOrderId(clientOrderIdFor({ kind: 'entry', signalId: 'q'.repeat(99) }))).toEqual({
      kind: 'entry',
    });
    expect(parseClientOrderId(clientOrderIdFor({ kind: 'exit', positionId: POSITION, attempt: 1295 }))).toEqual({
      kind: 'exit',
      positionIdHex: POSITION.replace(/-/g, ''),
      attempt: 1295,
    });
  });

  it('should call anything else foreign', () => {
    for (const id of ['', 'E', 'manual-order-1', 'x3f2504e04f8941d39a0c0305e82c330111', 'E'.repeat(37), 'Ebad char']) {
      expect({ id, parsed: parseClientOrderId(id) }).toEqual({ id, parsed: { kind: 'foreign' } });
    }
  });
});
