/**
 * Claim checks such as `python.p99 / rust.p99 >= 10` or `rust.cpuCores <= 0.1 * python.cpuCores`:
 * each side a sum of products of `service.metric` terms and positive constants
 * (`rust.p99 <= 2 * rust.p50 + floor.p99`), `*` and `/` binding tighter than `+`. Parsed into a
 * normal form: with one product on each side, (product of metric terms) OP threshold; with a sum
 * on either side, Σ left ÷ Σ right OP 1. `floor.<metric>` is the platform floor's run of the same
 * round (claims/rounds.ts). Hand-written because the grammar is five rules; a parser library
 * would be larger than it. Pure.
 */

export type Comparator = '>=' | '<=' | '>' | '<';

/** `service.metric` raised to +1 or -1 (`service` may be `floor`, the platform floor). */
export interface Term {
  readonly service: string;
  readonly metric: string;
  readonly power: 1 | -1;
}

/** A positive constant times a product of terms. */
export interface Product {
  readonly constant: number;
  readonly terms: readonly Term[];
}

/** A check in normal form. */
export interface Check {
  readonly source: string;
  /**
   * Every term of the check. One product a side: Π terms OP threshold, the right side's terms
   * inverted. With a sum (`sums`): the terms of every product, powers as written in it.
   */
  readonly terms: readonly Term[];
  readonly comparator: Comparator;
  /** One product a side: the right side's constant over the left's; with a sum: 1. */
  readonly threshold: number;
  /** What is compared with the threshold, e.g. `python.p99 / rust.p99` or `rust.p99 / (2 * rust.p50 + floor.p99)`. */
  readonly statistic: string;
  /** Present when either side is a sum: the check's value in a round is Σ left ÷ Σ right, against 1. */
  readonly sums?: { readonly left: readonly Product[]; readonly right: readonly Product[] };
}

// `service.metric` is tried before a number: service names may start with a digit (`2fa.p99`),
// and a metric starts with a letter, so `2.5` is still a number.
const TOKEN = /\s*(?:(>=|<=|>|<)|([*/+])|([a-z0-9][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)|(\d+(?:\.\d+)?(?:e[+-]?\d+)?))/y;

interface MutableProduct {
  constant: number;
  terms: Term[];
}

/**
 * Parses one check.
 * @throws Error with a message naming what was expected where (callers add the file and field).
 */
export function parseCheck(source: string): Check {
  const sides: MutableProduct[][] = [[{ constant: 1, terms: [] }]];
  let comparator: Comparator | undefined;
  let expectOperand = true;
  let nextPower: 1 | -1 = 1;
  let position = 0;
  while (position < source.length) {
    if (source.slice(position).trim() === '') break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(source);
    if (match === null) throw new Error(`unexpected \`${source.slice(position).trim()}\` at character ${position + 1}; expected service.metric, a number, * / +, or a comparison`);
    position = TOKEN.lastIndex;
    const [, cmp, op, service, metric, number] = match;
    const side = sides[sides.length - 1]!;
    const product = side[side.length - 1]!;
    if (cmp !== undefined) {
      if (comparator !== undefined) throw new Error('only one comparison (>=, <=, >, <) is allowed');
      if (expectOperand) throw new Error(`expected an operand before \`${cmp}\``);
      comparator = cmp as Comparator;
      sides.push([{ constant: 1, terms: [] }]);
      expectOperand = true;
      nextPower = 1;
    } else if (op !== undefined) {
      if (expectOperand) throw new Error(`expected an operand before \`${op}\``);
      if (op === '+') side.push({ constant: 1, terms: [] });
      nextPower = op === '/' ? -1 : 1;
      expectOperand = true;
    } else {
      if (!expectOperand) throw new Error(`expected * / + or a comparison before \`${match[0].trim()}\``);
      if (number !== undefined) {
        const value = Number(number);
        if (!(value > 0)) throw new Error(`constants must be positive, got ${number}`);
        product.constant = nextPower === 1 ? product.constant * value : product.constant / value;
      } else product.terms.push({ service: service!, metric: metric!, power: nextPower });
      expectOperand = false;
    }
  }
  if (comparator === undefined) throw new Error('expected a comparison (>=, <=, >, <)');
  if (expectOperand) throw new Error('the check ends without an operand');
  const [left, right] = sides as [MutableProduct[], MutableProduct[]];
  const all = [...left, ...right].flatMap((product) => product.terms);
  if (all.length === 0) throw new Error('a check must refer to at least one service.metric');
  if (left.length === 1 && right.length === 1) {
    const terms: Term[] = [...left[0]!.terms, ...right[0]!.terms.map((term) => ({ ...term, power: (term.power === 1 ? -1 : 1) as 1 | -1 }))];
    return { source: source.trim(), terms, comparator, threshold: right[0]!.constant / left[0]!.constant, statistic: formatTerms(terms) };
  }
  const freeze = (products: readonly MutableProduct[]): Product[] => products.map((product) => ({ constant: product.constant, terms: [...product.terms] }));
  const sums = { left: freeze(left), right: freeze(right) };
  return { source: source.trim(), terms: all, comparator, threshold: 1, statistic: `${formatSide(sums.left, false)} / ${formatSide(sums.right, true)}`, sums };
}

/** `a.x / b.y`, numerators first. */
export function formatTerms(terms: readonly Term[]): string {
  const name = (term: Term): string => `${term.service}.${term.metric}`;
  const up = terms.filter((term) => term.power === 1).map(name);
  const down = terms.filter((term) => term.power === -1).map(name);
  return `${up.length === 0 ? '1' : up.join(' * ')}${down.map((text) => ` / ${text}`).join('')}`;
}

/** `2 * rust.p50`, `100`, `rust.p99 / rust.p50`. */
function formatProduct(product: Product): string {
  if (product.terms.length === 0) return String(Number(product.constant.toPrecision(6)));
  const terms = formatTerms(product.terms);
  return product.constant === 1 ? terms : `${Number(product.constant.toPrecision(6))} * ${terms}`;
}

/**
 * One side of a check with a sum, as the statistic shows it: a sum in parentheses; on the right
 * (the divisor) anything but a lone term or constant too, so `x / (3 * c.p99)` never reads as
 * `(x / 3) * c.p99`.
 */
function formatSide(products: readonly Product[], isDivisor: boolean): string {
  const text = products.map(formatProduct).join(' + ');
  if (products.length > 1) return `(${text})`;
  const only = products[0]!;
  const isLone = only.terms.length === 0 || (only.terms.length === 1 && only.constant === 1 && only.terms[0]!.power === 1);
  return isDivisor && !isLone ? `(${text})` : text;
}

/** Whether `value` satisfies `comparator threshold`. */
export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
  }
}
