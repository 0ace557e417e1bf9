/**
 * Classic two-dimensional test functions for the optimizer race, with analytic gradients.
 * Each knows its plotting window, its minimum value (for plotting f − f* on a log scale), a
 * default start point and the scale of the Gaussian noise added to its gradient in the noisy
 * variant. Pure maths: no DOM, so the unit tests run it in Node.
 */
export interface TestFunction {
  readonly id: string;
  readonly label: string;
  /** The formula, for the page. */
  readonly formula: string;
  value(x: number, y: number): number;
  /** Writes ∂f/∂x and ∂f/∂y into `out` (length ≥ 2) and returns it. */
  gradient(x: number, y: number, out: Float64Array | Float32Array): Float64Array | Float32Array;
  /** Plotting window [xmin, xmax] × [ymin, ymax]. */
  readonly domain: readonly [number, number, number, number];
  /** The global minimum value over the window (the lowest local minimum for the saddle). */
  readonly minimum: number;
  /** Where the minimum is, for a marker on the plot. */
  readonly minimizers: readonly (readonly [number, number])[];
  readonly start: readonly [number, number];
  /** Standard deviation of the Gaussian noise added to each gradient coordinate when noisy. */
  readonly noiseScale: number;
  /** Suggested learning rates per method id, tuned by hand so the race is worth watching. */
  readonly learningRates: Readonly<Record<string, number>>;
}

/** Rosenbrock's banana: f = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1). */
export const rosenbrock: TestFunction = {
  id: 'rosenbrock',
  label: 'Rosenbrock',
  formula: 'f(x, y) = (1 − x)² + 100 (y − x²)²',
  value: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  gradient(x, y, out) {
    out[0] = -2 * (1 - x) - 400 * x * (y - x * x);
    out[1] = 200 * (y - x * x);
    return out;
  },
  domain: [-2, 2, -1, 3],
  minimum: 0,
  minimizers: [[1, 1]],
  start: [-1.5, 2.5],
  noiseScale: 20,
  learningRates: {
    madgrad: 0.02,
    'mirror-madgrad': 0.02,
    adam: 0.05,
    sgd: 0.0002,
    adagrad: 0.5,
  },
};

/**
 * Beale's function: f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at
 * (3, 0.5).
 */
export const beale: TestFunction = {
  id: 'beale',
  label: 'Beale',
  formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  value(x, y) {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y * y * y;
    return a * a + b * b + c * c;
  },
  gradient(x, y, out) {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y * y * y;
    out[0] = 2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1);
    out[1] = 2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y;
    return out;
  },
  domain: [-4.5, 4.5, -4.5, 4.5],
  minimum: 0,
  minimizers: [[3, 0.5]],
  start: [1, 1.5],
  noiseScale: 2,
  learningRates: {
    madgrad: 0.01,
    'mirror-madgrad': 0.01,
    adam: 0.05,
    sgd: 0.002,
    adagrad: 0.5,
  },
};

/**
 * A saddle with two valleys: f = x² − y² + y⁴/2. The origin is a saddle point; the minima are
 * (0, ±1) with f = −1/2. Started near the ridge y = 0, a method must find the way down.
 */
export const saddle: TestFunction = {
  id: 'saddle',
  label: 'Saddle',
  formula: 'f(x, y) = x² − y² + y⁴/2',
  value: (x, y) => x * x - y * y + (y * y * y * y) / 2,
  gradient(x, y, out) {
    out[0] = 2 * x;
    out[1] = -2 * y + 2 * y * y * y;
    return out;
  },
  domain: [-2, 2, -2, 2],
  minimum: -0.5,
  minimizers: [
    [0, 1],
    [0, -1],
  ],
  start: [-1.8, 0.001],
  noiseScale: 0.5,
  learningRates: {
    madgrad: 0.01,
    'mirror-madgrad': 0.01,
    adam: 0.02,
    sgd: 0.02,
    adagrad: 0.2,
  },
};

/**
 * An ill-conditioned quadratic: f = (x² + 100 y²)/2, condition number 100, minimum 0 at the
 * origin. Plain gradient steps must be small for y and are then slow along x.
 */
export const illConditioned: TestFunction = {
  id: 'ill-conditioned',
  label: 'Ill-conditioned quadratic',
  formula: 'f(x, y) = (x² + 100 y²) / 2',
  value: (x, y) => (x * x + 100 * y * y) / 2,
  gradient(x, y, out) {
    out[0] = x;
    out[1] = 100 * y;
    return out;
  },
  domain: [-3, 3, -1.5, 1.5],
  minimum: 0,
  minimizers: [[0, 0]],
  start: [-2.5, 1],
  noiseScale: 2,
  learningRates: {
    madgrad: 0.01,
    'mirror-madgrad': 0.01,
    adam: 0.05,
    sgd: 0.015,
    adagrad: 0.5,
  },
};

export const TEST_FUNCTIONS: readonly TestFunction[] = [rosenbrock, beale, saddle, illConditioned];

export function testFunctionById(id: string): TestFunction {
  const f = TEST_FUNCTIONS.find((t) => t.id === id);
  if (!f) throw new Error(`unknown test function "${id}"`);
  return f;
}
