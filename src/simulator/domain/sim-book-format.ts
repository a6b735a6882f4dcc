import { decimalsOf, fromUnits, toUnits } from '../../common/ticks';

/**
 * Integer units → Bybit decimal strings on the hot publish path. Same output as `fromUnits` (common/ticks.ts) but
 * with plain number arithmetic when the scaled value is a safe integer (always, for real instruments), because
 * every published level formats two strings and BigInt formatting would dominate the cost of a delta.
 */
export class StepFormatter {
  readonly decimals: number;
  /** The step written as an integer count of 10^-decimals ("0.50" → 50). */
  private readonly stepScaled: number;

  constructor(readonly step: string) {
    this.decimals = decimalsOf(step);
    this.stepScaled = toUnits(step, this.decimals === 0 ? '1' : `0.${'0'.repeat(this.decimals - 1)}1`);
    if (this.stepScaled <= 0) throw new RangeError(`step must be positive, got ${step}`);
  }

  format(units: number): string {
    const scaled = units * this.stepScaled;
    if (!Number.isSafeInteger(scaled)) return fromUnits(units, this.step);
    if (this.decimals === 0) return String(scaled);
    const negative = scaled < 0;
    let digits = String(negative ? -scaled : scaled);
    if (digits.length <= this.decimals) digits = '0'.repeat(this.decimals - digits.length + 1) + digits;
    const cut = digits.length - this.decimals;
    const text = `${digits.slice(0, cut)}.${digits.slice(cut)}`;
    return negative ? `-${text}` : text;
  }

  /** Exact parse; throws DecimalFormatError when the value is off the step grid. */
  parse(text: string): number {
    return toUnits(text, this.step);
  }
}

/** The exact product of two decimal steps as a string: "0.10" × "0.001" → "0.00010". */
export function multiplySteps(a: string, b: string): string {
  const decimals = decimalsOf(a) + decimalsOf(b);
  const product = BigInt(a.replace('.', '')) * BigInt(b.replace('.', ''));
  const digits = product.toString().padStart(decimals + 1, '0');
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** "12.3400" → "12.34", "5.000" → "5": Bybit writes volumes and turnovers without trailing zeros. */
export function trimDecimal(text: string): string {
  if (text.indexOf('.') < 0) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--; // '0'
  if (text.charCodeAt(end - 1) === 46) end--; // '.'
  return text.slice(0, end);
}

/** The step "10^-decimals" as a string: 0 → "1", 4 → "0.0001". */
export function stepOfDecimals(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
