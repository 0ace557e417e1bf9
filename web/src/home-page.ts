import './style.css';
import { appRoot, h } from './dom.js';

const tiles: [string, string, string][] = [
  [
    './race.html',
    'Race on a surface',
    'MADGRAD, MirrorMADGRAD, Adam, SGD with momentum and AdaGrad start from the same point on Rosenbrock, Beale, a saddle or an ill-conditioned quadratic, clean or noisy, and race step by step.',
  ],
  [
    './train.html',
    'Train in the browser',
    'A small network learns handwritten digits live with TensorFlow.js; run two optimizers side by side on the same data and seed.',
  ],
  [
    './results.html',
    'Results',
    'The latest reproduction report of the paper’s experiments, when one has been built.',
  ],
];

appRoot().append(
  h('h1', {}, 'Watch MADGRAD race'),
  h(
    'p',
    { class: 'lead' },
    'MADGRAD (Defazio & Jelassi, 2021) is a momentumized, adaptive, dual-averaged gradient method. This playground runs the madgrad library itself in your browser; nothing is fetched from the network.',
  ),
  h(
    'div',
    { class: 'tiles' },
    ...tiles.map(([href, title, text]) =>
      h('a', { href }, h('div', { class: 'card' }, h('h2', {}, title), h('p', {}, text))),
    ),
  ),
);
