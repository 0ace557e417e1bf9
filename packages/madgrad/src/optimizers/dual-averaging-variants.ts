import { InternalError, InvalidOptionError } from '../maths/errors.js';
import { FLOAT32_MAX, squareOverflowLimit } from '../maths/gradient-limits.js';
import {
  effectiveLr,
  MADGRAD_SPEC,
  type OptimizerOptions,
  type OptimizerSpec,
  specDefaults,
} from '../maths/options.js';
import { finiteStateProblem } from '../maths/state-limits.js';
import { type OptimizerConfig, StatefulOptimizer } from './optimizer.js';
import type { Parameter, ParameterGroup } from './parameters.js';
import type { UpdateRule } from './update-rule.js';

/**
 * The steps by which the paper builds MADGRAD from dual averaging (Defazio & Jelassi 2021, §5),
 * as one optimizer with two switches. With s_{k+1} = Σ_{i≤k} λ_i g_i and x0 the initial point,
 *
 *   z_{k+1} = x0 − s_{k+1} / D_{k+1}          x_{k+1} = β x_k + (1 − β) z_{k+1}
 *
 * weighting  λ_i = lr'                    ('constant')
 *            λ_i = lr' · sqrt(i + 1)      ('sqrt': MADGRAD's, §5.3)
 * denominator D = sqrt(k + 1)                          ('step': the Euclidean prox of plain DA)
 *             D = sqrt(Σ g_i²) + eps                   ('sqrt-sum': AdaGrad-DA, §5.5.1)
 *             D = sqrt(Σ λ_i g_i²) + eps               ('sqrt-weighted-sum', §5.5.2)
 *             D = cbrt(Σ λ_i g_i²) + eps               ('cbrt-weighted-sum': MADGRAD, §5.5.3)
 *
 * lr' = lr + eps as in MADGRAD, and a zero denominator (eps = 0, no gradient yet) contributes
 * s / D = 0, MADGRAD's corrected semantics. `Madgrad` itself is the fast, reference-exact form of
 * the last combination; these variants exist for the ablation and are tested against it.
 */
export type DualAveragingWeighting = 'constant' | 'sqrt';
export type DualAveragingDenominator =
  | 'step'
  | 'sqrt-sum'
  | 'sqrt-weighted-sum'
  | 'cbrt-weighted-sum';

export interface DualAveragingVariantSpec {
  readonly weighting: DualAveragingWeighting;
  readonly denominator: DualAveragingDenominator;
}

/**
 * The named variants of the design ablation, which builds MADGRAD from plain dual averaging one
 * switch at a time (the weightings and denominators listed above).
 */
export const DUAL_AVERAGING_VARIANTS = {
  /** Plain dual averaging: λ = lr, D = sqrt(k + 1). */
  da: { weighting: 'constant', denominator: 'step' },
  /** AdaGrad-DA: λ = lr, D = sqrt(Σ g²) + eps. */
  'adagrad-da': { weighting: 'constant', denominator: 'sqrt-sum' },
  /** DA with MADGRAD's λ_i = lr sqrt(i + 1): the newest gradient's weight λ_k / sqrt(k + 1) = lr. */
  'da-weighted': { weighting: 'sqrt', denominator: 'step' },
  /** λ_i = lr sqrt(i + 1) with an unweighted AdaGrad denominator (§5.5.1). */
  'madgrad-sqrt-unweighted': { weighting: 'sqrt', denominator: 'sqrt-sum' },
  /** λ_i = lr sqrt(i + 1) with a weighted square-root denominator (§5.5.2). */
  'madgrad-sqrt-weighted': { weighting: 'sqrt', denominator: 'sqrt-weighted-sum' },
} as const satisfies Record<string, DualAveragingVariantSpec>;

export type DualAveragingVariantName = keyof typeof DUAL_AVERAGING_VARIANTS;

/** The variants' options: MADGRAD's, but momentum 0 (the construction adds momentum last, §5.5.4). */
export const DUAL_AVERAGING_SPEC: OptimizerSpec<OptimizerOptions> = {
  name: 'dual averaging',
  options: {
    ...MADGRAD_SPEC.options,
    momentum: {
      default: 0,
      range: 'fraction',
      doc: 'the iterate-averaging weight β: x = β x + (1 − β) z',
    },
  },
};

/**
 * Defaults of the variants: MADGRAD's but momentum, `lr` 1e-2, `momentum` 0, `weightDecay` 0,
 * `eps` 1e-6, `decoupleDecay` false.
 */
export const DUAL_AVERAGING_DEFAULTS: Readonly<OptimizerOptions> =
  specDefaults(DUAL_AVERAGING_SPEC);

/** A variant's state per parameter: s and x0, and v unless the denominator is 'step'. */
export type DualAveragingState = {
  /** v = Σ w_i g_i² (w_i = 1 for 'sqrt-sum', λ_i otherwise), starting at zeros. */
  grad_sum_sq?: Float32Array;
  /** s = Σ λ_i g_i, starting at zeros. */
  s: Float32Array;
  /** x0, the parameter at its first step. */
  x0: Float32Array;
};

/** The update rule of one variant (see the construction above). */
export function dualAveragingRule(
  spec: DualAveragingVariantSpec,
): UpdateRule<OptimizerOptions, DualAveragingState> {
  const { weighting, denominator } = spec;
  const names = denominator === 'step' ? ['s', 'x0'] : ['grad_sum_sq', 's', 'x0'];
  return {
    kind: `dual-averaging:${weighting}:${denominator}`,
    spec: DUAL_AVERAGING_SPEC,
    buffers: { grad_sum_sq: 'zeros', s: 'zeros', x0: 'parameter' },
    bufferNames() {
      return names;
    },
    /**
     * This step's additions must stay finite: λ|g| to s and, with an accumulated denominator,
     * w·g² to v (w = 1 for 'sqrt-sum', λ otherwise).
     */
    gradientLimit(options, k) {
      const lr = effectiveLr(options);
      const lamb = weighting === 'sqrt' ? lr * Math.sqrt(k + 1) : lr;
      const sumLimit = lamb > 1 ? Math.fround((FLOAT32_MAX / lamb) * (1 - 2 ** -10)) : FLOAT32_MAX;
      if (denominator === 'step') return sumLimit;
      const squareWeight = denominator === 'sqrt-sum' ? 1 : lamb;
      return Math.min(sumLimit, squareOverflowLimit(squareWeight));
    },
    startingPointLimit: null,
    stateProblem(buffers) {
      return finiteStateProblem(buffers, ['grad_sum_sq']);
    },
    dense(_kernels, p, state, g, options, k) {
      const lr = effectiveLr(options);
      const lamb = weighting === 'sqrt' ? lr * Math.sqrt(k + 1) : lr;
      // What multiplies g² in the accumulated sum: 1 (AdaGrad) or λ_k (MADGRAD-style).
      const squareWeight = denominator === 'sqrt-sum' ? 1 : lamb;
      const root = denominator === 'cbrt-weighted-sum' ? Math.cbrt : Math.sqrt;
      const stepDenominator = Math.sqrt(k + 1);
      const { momentum, eps, weightDecay, decoupleDecay } = options;
      const { s, x0, grad_sum_sq: v } = state;
      for (let i = 0; i < p.length; i++) {
        const pi = p[i]!;
        let gi = g[i]!;
        if (weightDecay !== 0 && !decoupleDecay) gi = Math.fround(gi + weightDecay * pi);
        const si = Math.fround(s[i]! + lamb * gi);
        s[i] = si;
        let d: number;
        if (v === undefined) {
          d = stepDenominator;
        } else {
          const vi = Math.fround(v[i]! + squareWeight * gi * gi);
          v[i] = vi;
          d = root(vi) + eps;
        }
        const z = d === 0 ? x0[i]! : x0[i]! - si / d;
        let next = momentum * pi + (1 - momentum) * z;
        if (weightDecay !== 0 && decoupleDecay) next -= lr * weightDecay * pi;
        p[i] = next;
      }
    },
    sparseRefusal() {
      return 'the dual averaging variants take dense gradients only';
    },
    sparse() {
      throw new InternalError('unreachable: sparseRefusal rejects sparse gradients');
    },
  };
}

export class DualAveragingVariant extends StatefulOptimizer<OptimizerOptions, DualAveragingState> {
  readonly spec: DualAveragingVariantSpec;

  constructor(
    spec: DualAveragingVariantSpec | DualAveragingVariantName,
    params: readonly Parameter[] | readonly ParameterGroup<OptimizerOptions>[],
    config: OptimizerConfig = {},
  ) {
    const resolved = checkVariant(spec);
    super(params, config, dualAveragingRule(resolved));
    this.spec = resolved;
  }
}

/** The variant a name or spec stands for; throws an InvalidOptionError for an unknown one. */
function checkVariant(
  spec: DualAveragingVariantSpec | DualAveragingVariantName,
): DualAveragingVariantSpec {
  const resolved = typeof spec === 'string' ? DUAL_AVERAGING_VARIANTS[spec] : spec;
  if (!resolved || !['constant', 'sqrt'].includes(resolved.weighting)) {
    throw new InvalidOptionError(`unknown dual averaging variant ${JSON.stringify(spec)}`);
  }
  if (
    !['step', 'sqrt-sum', 'sqrt-weighted-sum', 'cbrt-weighted-sum'].includes(resolved.denominator)
  ) {
    throw new InvalidOptionError(`unknown denominator ${JSON.stringify(resolved.denominator)}`);
  }
  return resolved;
}
