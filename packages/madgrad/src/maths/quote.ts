/** The most characters of a caller's string an error message quotes. */
export const QUOTE_LIMIT = 80;

/**
 * A short, bounded description of any value for an error message: numbers, booleans, null and
 * undefined as themselves, strings quoted and cut to `limit` characters, and containers by kind
 * and size only. It never walks into a value, so a 2M-element array or options nested 100,000
 * deep cost as little to describe as a number (a message stays within a few hundred characters).
 */
export function quote(value: unknown, limit = QUOTE_LIMIT): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return cut(`${value}n`, limit);
    case 'string':
      return value.length <= limit
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, limit))}... (${value.length} characters)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length} items`;
      return 'an object';
  }
}

/** A list of names for an error message: at most `count` of them, each quoted. */
export function quoteList(names: readonly unknown[], count = 8): string {
  const shown = names.slice(0, count).map((n) => quote(n));
  if (names.length > count) shown.push(`... (${names.length} in all)`);
  return `[${shown.join(', ')}]`;
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}...`;
}
