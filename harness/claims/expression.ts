/**
 * Claim checks such as `python.p99 / rust.p99 >= 10` or `rust.cpuCores <= 0.1 * python.cpuCores`:
 * a product of service metrics and positive constants on each side of a comparison. Parsed into
 * a normal form — (product of metric terms) OP threshold — that evaluate.ts estimates with a
 * confidence interval. Hand-written because the grammar is four rules; a parser library would be larger
 * than it. Pure.
 */

export type Comparator = '>=' | '<=' | '>' | '<';

/** `service.metric` raised to +1 or -1. */
export interface Term {
  readonly service: string;
  readonly metric: string;
  readonly power: 1 | -1;
}

/** A check in normal form: Π terms OP threshold. */
export interface Check {
  readonly source: string;
  readonly terms: readonly Term[];
  readonly comparator: Comparator;
  readonly threshold: number;
  /** The left side as shown with its value, e.g. `python.p99 / rust.p99`. */
  readonly statistic: string;
}

// `service.metric` is tried before a number: service names may start with a digit (`2fa.p99`),
// and a metric starts with a letter, so `2.5` is still a number.
const TOKEN = /\s*(?:(>=|<=|>|<)|([*/])|([a-z0-9][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)|(\d+(?:\.\d+)?(?:e[+-]?\d+)?))/y;

interface Side {
  constant: number;
  terms: Term[];
}

/**
 * Parses one check.
 * @throws Error with a message naming what was expected where (callers add the file and field).
 */
export function parseCheck(source: string): Check {
  const sides: Side[] = [{ constant: 1, terms: [] }];
  let comparator: Comparator | undefined;
  let expectOperand = true;
  let nextPower: 1 | -1 = 1;
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < source.length) {
    if (source.slice(position).trim() === '') break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(source);
    if (match === null) throw new Error(`unexpected \`${source.slice(position).trim()}\` at character ${position + 1}; expected service.metric, a number, * / or a comparison`);
    position = TOKEN.lastIndex;
    const [, cmp, op, service, metric, number] = match;
    const side = sides[sides.length - 1]!;
    if (cmp !== undefined) {
      if (comparator !== undefined) throw new Error('only one comparison (>=, <=, >, <) is allowed');
      if (expectOperand) throw new Error(`expected an operand before \`${cmp}\``);
      comparator = cmp as Comparator;
      sides.push({ constant: 1, terms: [] });
      expectOperand = true;
      nextPower = 1;
    } else if (op !== undefined) {
      if (expectOperand) throw new Error(`expected an operand before \`${op}\``);
      nextPower = op === '/' ? -1 : 1;
      expectOperand = true;
    } else {
      if (!expectOperand) throw new Error(`expected * / or a comparison before \`${match[0].trim()}\``);
      if (number !== undefined) {
        const value = Number(number);
        if (!(value > 0)) throw new Error(`constants must be positive, got ${number}`);
        side.constant = nextPower === 1 ? side.constant * value : side.constant / value;
      } else side.terms.push({ service: service!, metric: metric!, power: nextPower });
      expectOperand = false;
    }
  }
  if (comparator === undefined) throw new Error('expected a comparison (>=, <=, >, <)');
  if (expectOperand) throw new Error('the check ends without an operand');
  const [left, right] = sides as [Side, Side];
  const terms: Term[] = [...left.terms, ...right.terms.map((term) => ({ ...term, power: (term.power === 1 ? -1 : 1) as 1 | -1 }))];
  if (terms.length === 0) throw new Error('a check must refer to at least one service.metric');
  const statistic = formatTerms(terms);
  return { source: source.trim(), terms, comparator, threshold: right.constant / left.constant, statistic };
}

/** `a.x / b.y`, numerators first. */
export function formatTerms(terms: readonly Term[]): string {
  const name = (term: Term): string => `${term.service}.${term.metric}`;
  const up = terms.filter((term) => term.power === 1).map(name);
  const down = terms.filter((term) => term.power === -1).map(name);
  return `${up.length === 0 ? '1' : up.join(' * ')}${down.map((text) => ` / ${text}`).join('')}`;
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
