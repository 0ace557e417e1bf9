import { METHOD_LABELS, type MethodName } from '../methods.js';
import type { TaskName } from '../tasks/index.js';
import { compareEstimates } from './compare-estimates.js';
import { type Estimate, formatEstimate, type TaskSummary } from './summary.js';

/**
 * The paper's claims about each problem (Defazio & Jelassi 2021, §6 and its tables), as
 * comparisons the reproduction can test on the task that mirrors the problem: in each pair the
 * paper has `better` ahead of `worse` on the task's primary test metric.
 */
export interface PaperClaim {
  readonly task: TaskName;
  /** The paper's problem. */
  readonly problem: string;
  /** The claim in the paper's words. */
  readonly claim: string;
  readonly pairs: readonly { readonly better: MethodName; readonly worse: MethodName }[];
}

const ahead = (better: MethodName, ...worse: MethodName[]) =>
  worse.map((w) => ({ better, worse: w }));

export const PAPER_CLAIMS: readonly PaperClaim[] = [
  {
    task: 'digits',
    problem: 'CIFAR-10 and ImageNet ResNets',
    claim: 'MADGRAD has the best test accuracy',
    pairs: ahead('madgrad', 'sgd', 'adam', 'adagrad'),
  },
  {
    task: 'digits',
    problem: 'CIFAR-10 and ImageNet ResNets',
    claim: 'Adam and AdaGrad fall well short of SGD',
    pairs: ahead('sgd', 'adam', 'adagrad'),
  },
  {
    task: 'kspace',
    problem: 'fastMRI',
    claim: 'MADGRAD is best, a small but significant improvement over Adam',
    pairs: ahead('madgrad', 'adam', 'sgd', 'adagrad'),
  },
  {
    task: 'kspace',
    problem: 'fastMRI',
    claim: 'SGD is far behind and AdaGrad clearly behind',
    pairs: [...ahead('madgrad', 'sgd', 'adagrad'), ...ahead('adam', 'sgd', 'adagrad')],
  },
  {
    task: 'g2p',
    problem: 'IWSLT14 LSTM',
    claim: 'every adaptive method beats SGD by a wide margin',
    pairs: [...ahead('madgrad', 'sgd'), ...ahead('adam', 'sgd'), ...ahead('adagrad', 'sgd')],
  },
  {
    task: 'g2p',
    problem: 'IWSLT14 LSTM',
    claim: "MADGRAD has a small lead (test loss 4.33 against Adam's 4.35 and AdaGrad's 4.38)",
    pairs: ahead('madgrad', 'adam', 'adagrad'),
  },
  {
    task: 'mlm',
    problem: 'RoBERTa',
    claim: 'SGD is poor',
    pairs: [...ahead('madgrad', 'sgd'), ...ahead('adam', 'sgd')],
  },
  {
    task: 'mlm',
    problem: 'RoBERTa',
    claim: 'MADGRAD beats Adam on final test loss (2.07 against 2.09)',
    pairs: ahead('madgrad', 'adam'),
  },
  {
    task: 'sparse',
    problem: "the lab's sparse, convex problem",
    claim: 'MADGRAD has the best test loss',
    pairs: ahead('madgrad', 'sgd', 'adam', 'adagrad'),
  },
];

/**
 * holds: every pair goes the paper's way beyond ±2 SE; contradicted: some pair goes the other
 * way beyond ±2 SE; tied: neither (some intervals overlap); not judged: the run cannot compare
 * the methods on the task, or a method has no result or a single seed.
 */
export type ClaimVerdict = 'holds' | 'tied' | 'contradicted' | 'not judged';

export interface JudgedClaim extends PaperClaim {
  readonly verdict: ClaimVerdict;
  /** The verdict with its figures, one sentence. */
  readonly text: string;
}

const PHRASE = {
  better: 'is ahead of',
  worse: 'is behind',
  indistinguishable: 'is tied with',
} as const;

/** Each claim whose task this run has, judged from its summaries. */
export function judgeClaims(summaries: readonly TaskSummary[]): JudgedClaim[] {
  return PAPER_CLAIMS.flatMap((claim) => {
    const summary = summaries.find((s) => s.task === claim.task);
    return summary ? [judgeClaim(claim, summary)] : [];
  });
}

export function judgeClaim(claim: PaperClaim, summary: TaskSummary): JudgedClaim {
  const head = `${claim.task} (${claim.problem}): "${claim.claim}"`;
  const estimate = (m: MethodName): Estimate | undefined => {
    const e = summary.methods.find((x) => x.method === m)?.metrics[summary.metric.key];
    return e && Number.isFinite(e.mean) ? e : undefined;
  };
  const label = (m: MethodName) => `${METHOD_LABELS[m]} (${formatEstimate(estimate(m))})`;
  const notJudged = (why: string): JudgedClaim => ({
    ...claim,
    verdict: 'not judged',
    text: `${head}: not judged, because ${why}.`,
  });
  if (summary.notComparable) return notJudged(`this run cannot compare the methods there`);
  const sentences: string[] = [];
  let worse = 0;
  let tied = 0;
  for (const { better, worse: other } of claim.pairs) {
    const a = estimate(better);
    const b = estimate(other);
    if (!a || !b) return notJudged(`${METHOD_LABELS[a ? other : better]} has no result`);
    const c = compareEstimates(a, b, summary.metric.higherIsBetter);
    if (c === 'single seed') return notJudged('a method has a single seed (no error bars)');
    if (c === 'worse') worse += 1;
    if (c === 'indistinguishable') tied += 1;
    sentences.push(`${label(better)} ${PHRASE[c]} ${label(other)}`);
  }
  const verdict: ClaimVerdict = worse > 0 ? 'contradicted' : tied > 0 ? 'tied' : 'holds';
  return {
    ...claim,
    verdict,
    text: `${head}: ${verdict}. ${summary.metric.label}, mean ± 2 SE: ${sentences.join('; ')}.`,
  };
}
