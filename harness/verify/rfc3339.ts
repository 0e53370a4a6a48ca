/**
 * RFC 3339 date-times as instants, so that one instant in two spellings compares equal:
 * `2024-01-01T00:00:00+00:00`, `2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.000Z`,
 * `2024-01-01T01:00:00+01:00` (Python's isoformat, Go's RFC3339Nano, JavaScript's toISOString,
 * a local offset). Fractions of a second are compared exactly, to any precision: `.5` = `.500`,
 * but `.123456` ≠ `.123`. Pure.
 *
 * Written by hand: Date.parse accepts many other formats, drops digits beyond milliseconds and
 * reads a date-time without an offset as local time; an instant without an offset is not RFC 3339
 * and is not taken for one here.
 */

/** An instant: whole seconds since the epoch (UTC) and the fraction's digits without trailing zeros. */
export interface Instant {
  readonly epochSeconds: number;
  readonly fraction: string;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant an RFC 3339 date-time (section 5.6; `T`, `t` or a space between date and time)
 * names; a leap second (`:60`) is the next second's start.
 * @returns undefined for anything else, including impossible dates (`2023-02-29`) and times
 */
export function parseInstant(text: string): Instant | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // Rolled over into the next month: no such day.
  if (date.getUTCMonth() !== month - 1) return undefined;
  let offsetSeconds = 0;
  if (match[8] !== undefined) {
    const offsetHours = Number(match[9]);
    const offsetMinutes = Number(match[10]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetSeconds = (match[8] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const epochSeconds = Math.floor(date.getTime() / 1000) + hour * 3600 + minute * 60 + second - offsetSeconds;
  return { epochSeconds, fraction: (match[7] ?? '').replace(/0+$/, '') };
}

/** Whether two strings are RFC 3339 date-times of the same instant (false when either is not one). */
export function sameInstant(a: string, b: string): boolean {
  const first = parseInstant(a);
  const second = parseInstant(b);
  return first !== undefined && second !== undefined && first.epochSeconds === second.epochSeconds && first.fraction === second.fraction;
}
