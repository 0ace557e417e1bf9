import {
  Adagrad,
  Adam,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  SgdMomentum,
  type StatefulOptimizer,
} from 'madgrad';

/** Settings of one racer: its learning rate and, where the method has one, its momentum. */
export interface RacerSettings {
  lr: number;
  momentum: number;
  enabled: boolean;
}

export interface RaceMethod {
  readonly id: string;
  readonly label: string;
  readonly colour: string;
  /** What the momentum control means for this method, or null when it has none. */
  readonly momentumLabel: string | null;
  readonly defaultMomentum: number;
  create(params: Parameter[], settings: RacerSettings): StatefulOptimizer;
}

/** The five racers, all the library's core optimizers over Float32Array. */
export const RACE_METHODS: readonly RaceMethod[] = [
  {
    id: 'madgrad',
    label: 'MADGRAD',
    colour: '#e6194b',
    momentumLabel: 'momentum',
    defaultMomentum: 0.9,
    create: (params, s) => new Madgrad(params, { lr: s.lr, momentum: s.momentum }),
  },
  {
    id: 'mirror-madgrad',
    label: 'MirrorMADGRAD',
    colour: '#f58231',
    momentumLabel: 'momentum',
    defaultMomentum: 0.9,
    create: (params, s) => new MirrorMadgrad(params, { lr: s.lr, momentum: s.momentum }),
  },
  {
    id: 'adam',
    label: 'Adam',
    colour: '#4363d8',
    momentumLabel: 'β₁',
    defaultMomentum: 0.9,
    create: (params, s) => new Adam(params, { lr: s.lr, beta1: s.momentum }),
  },
  {
    id: 'sgd',
    label: 'SGD + momentum',
    colour: '#3cb44b',
    momentumLabel: 'momentum',
    defaultMomentum: 0.9,
    create: (params, s) => new SgdMomentum(params, { lr: s.lr, momentum: s.momentum }),
  },
  {
    id: 'adagrad',
    label: 'AdaGrad',
    colour: '#911eb4',
    momentumLabel: null,
    defaultMomentum: 0,
    create: (params, s) => new Adagrad(params, { lr: s.lr }),
  },
];
