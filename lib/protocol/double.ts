// Double(x): a number the codecs write as a DOUBLE even when it is integral (an integral number
// otherwise goes on the wire as an INTEGER). A frozen, nominal box; no behaviour beyond that.

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

class DoubleBox {
  // a private member makes the class nominal: a plain `{ value: 2 }` is a map, never a Double
  readonly #nominal = true;
  constructor(readonly value: number) {
    Object.freeze(this);
  }

  valueOf(): number {
    return this.#nominal ? this.value : NaN;
  }

  toJSON(): number {
    return this.value;
  }

  toString(): string {
    return String(this.value);
  }

  [inspectCustom](): string {
    return `Double(${this.value})`;
  }
}

/** A number forced to the DOUBLE type: `Double(2)` is written as 2.0, not as the integer 2. */
export type Double = DoubleBox;

/** Wraps `value` so it is written as a DOUBLE. Called without `new`. */
export function Double(value: number): Double {
  if (typeof value !== 'number') throw new TypeError(`Double() needs a number, got ${typeof value}`);
  return new DoubleBox(value);
}

export function isDouble(value: unknown): value is Double {
  return value instanceof DoubleBox;
}
