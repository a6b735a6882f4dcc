/** Thrown by BigInt or RegExp#exec inside withoutBigIntOrRegExp. */
export class ExactArithmeticUsed extends Error {
  constructor() {
    super('BigInt or RegExp used');
  }
}

/**
 * Runs `run` with BigInt and RegExp#exec (which every RegExp use goes through) unavailable: the exact decimal code
 * needs both and the safe-integer fast paths neither, so this tells which one decided.
 */
export function withoutBigIntOrRegExp<T>(run: () => T): T {
  const { BigInt: bigInt } = globalThis;
  const { exec } = RegExp.prototype;
  const unavailable = () => {
    throw new ExactArithmeticUsed();
  };
  Object.assign(globalThis, { BigInt: unavailable });
  RegExp.prototype.exec = unavailable;
  try {
    return run();
  } finally {
    Object.assign(globalThis, { BigInt: bigInt });
    RegExp.prototype.exec = exec;
  }
}
