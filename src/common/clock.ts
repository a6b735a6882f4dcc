/** Time as a seam: domain code receives a Clock instead of calling Date.now(). */
export abstract class Clock {
  abstract nowMs(): number;
  now(): Date {
    return new Date(this.nowMs());
  }
}

export class SystemClock extends Clock {
  nowMs(): number {
    return Date.now();
  }
}

export class FixedClock extends Clock {
  constructor(private t: number) {
    super();
  }
  nowMs(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
