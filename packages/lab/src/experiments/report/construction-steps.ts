import type { AblationScheduleName } from '../ablation.js';
import type { MethodName } from '../methods.js';

/**
 * The paper's claims about its construction of MADGRAD, as comparisons the ablation can test:
 * each step names the pairs (method, schedule) where the paper says `a` beats `b`. The report
 * (ablation-report.ts) renders the verdicts; the claims live here, apart from the rendering.
 */

export interface Side {
  readonly method: MethodName;
  readonly schedule: AblationScheduleName;
}

/** One step of the paper's construction and the comparisons that test its claim. */
export interface Step {
  readonly title: string;
  /** The paper's claim: `a` is better than `b` in each pair. */
  readonly claim: string;
  readonly pairs: readonly { readonly a: Side; readonly b: Side }[];
}

const both = (a: MethodName, b: MethodName): { a: Side; b: Side }[] =>
  (['flat', 'stage-wise'] as const).map((schedule) => ({
    a: { method: a, schedule },
    b: { method: b, schedule },
  }));

/** The construction's steps (Defazio & Jelassi 2021, §5 and Figures 1–2), in order. */
export const CONSTRUCTION_STEPS: readonly Step[] = [
  {
    title: 'Dual averaging and AdaGrad against SGD',
    claim: 'SGD beats DA, AdaGrad-DA and AdaGrad under both schedules (Figure 1)',
    pairs: [...both('sgd', 'da'), ...both('sgd', 'adagrad-da'), ...both('sgd', 'adagrad')],
  },
  {
    title: 'Decaying step sizes η/(k+1)^p against the stage-wise schedule',
    claim:
      'SGD with the stage-wise schedule beats SGD with η/(k+1)^p (p ∈ {1/4, 1/2}, no other schedule) (Figure 2)',
    pairs: [
      {
        a: { method: 'sgd', schedule: 'stage-wise' },
        b: { method: 'sgd-power-0.25', schedule: 'flat' },
      },
      {
        a: { method: 'sgd', schedule: 'stage-wise' },
        b: { method: 'sgd-power-0.5', schedule: 'flat' },
      },
    ],
  },
  {
    title: 'The λ weighting (λ_i = lr·sqrt(i+1))',
    claim:
      'weighting the gradients by λ_i improves on the unweighted sum, with the step-count denominator (DA) and with the AdaGrad one (§5.3, §5.5.1)',
    pairs: [...both('da-weighted', 'da'), ...both('madgrad-sqrt-unweighted', 'adagrad-da')],
  },
  {
    title: 'Weighted square root against cube root',
    claim:
      'the cube-root denominator (MADGRAD without momentum) beats the square roots of the weighted and of the unweighted sums of squares (§5.5.2–5.5.3)',
    pairs: [
      ...both('madgrad-no-momentum', 'madgrad-sqrt-weighted'),
      ...both('madgrad-no-momentum', 'madgrad-sqrt-unweighted'),
    ],
  },
  {
    title: 'Momentum',
    claim:
      'momentum (iterate averaging, β = 0.9) improves MADGRAD (§5.5.4), and MADGRAD matches or beats SGD',
    pairs: [...both('madgrad', 'madgrad-no-momentum'), ...both('madgrad', 'sgd')],
  },
];
