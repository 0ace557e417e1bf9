/** An argument of this package's functions (a method or kernel name) is not one it knows. */
export class InvalidKernelArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKernelArgumentError';
  }
}

/** `value` for a one-line message: a string quoted and cut to 60 characters, else its type. */
export function shownArgument(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  return value === null ? 'null' : typeof value === 'number' ? String(value) : typeof value;
}

/** `value` if it is one of `choices`, else an InvalidKernelArgumentError naming `what`. */
export function oneOf<T extends string>(what: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value))
    return value as T;
  throw new InvalidKernelArgumentError(
    `${what} ${shownArgument(value)} is not one of ${choices.join(', ')}`,
  );
}
