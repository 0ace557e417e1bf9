/** The most characters of a string a message quotes. */
export const MAX_QUOTED = 60;

/**
 * A value briefly, for a one-line message: a string as JSON cut to `max` characters, a number,
 * boolean or null as itself, and arrays and objects by their kind and size alone. It never walks
 * into a value, so a huge or deeply nested input costs as little to name as a number.
 */
export function quoted(value: unknown, max = MAX_QUOTED): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
