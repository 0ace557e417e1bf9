/** Base class of every error the library throws on purpose. */
export class MadgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A hyperparameter, or another option or argument, is out of range or of the wrong kind. */
export class InvalidOptionError extends MadgradError {}

/** A gradient passed to `step` cannot be applied; nothing was modified. */
export class InvalidGradientError extends MadgradError {}

/** A parameter list or group definition is malformed. */
export class InvalidParameterError extends MadgradError {}

/** A serialized optimizer state cannot be loaded; the optimizer was left as it was. */
export class StateFormatError extends MadgradError {}

/**
 * What a call needs is missing here: WebAssembly (SIMD) for the WebAssembly kernels, or direct
 * access to a tfjs backend's memory.
 */
export class UnsupportedEnvironmentError extends MadgradError {}

/** The kernels' worker threads did not start, or one of them failed during a step. */
export class KernelThreadError extends MadgradError {}

/** An invariant of the library's own code does not hold: a bug, to be reported. */
export class InternalError extends MadgradError {}
