/** Base class of every error the library throws on purpose. */
export class MadgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A hyperparameter is out of range or not a finite number. */
export class InvalidOptionError extends MadgradError {}

/** A gradient passed to `step` cannot be applied; nothing was modified. */
export class InvalidGradientError extends MadgradError {}

/** A parameter list or group definition is malformed. */
export class InvalidParameterError extends MadgradError {}

/** A serialized optimizer state cannot be loaded; the optimizer was left as it was. */
export class StateFormatError extends MadgradError {}

/**
 * A value as an error message shows it: `String(value)` cut to 60 characters, and arrays and
 * other objects by their kind alone, so that a message never copies a large or deeply nested
 * input.
 */
export function shownValue(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  let text: string;
  try {
    text = String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
