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
