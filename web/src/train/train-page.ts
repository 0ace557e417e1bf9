import '../style.css';
import { dispose, getBackend, type Scalar, type Tensor2D } from '@tensorflow/tfjs-core';
import { type LineSeries, lineChart } from '../charts.js';
import { appRoot, h } from '../dom.js';
import { availableBackends, type BackendName, useBackend } from './backends.js';
import { BatchSchedule } from './batches.js';
import { type DigitSet, loadDigits, PIXELS } from './digits.js';
import { TRAIN_METHODS, trainMethodById } from './methods.js';
import { batchTensors, Trainer } from './trainer.js';

const BATCH = 32;
const MAX_STEPS = 3000;
const EVAL_EVERY = 25;
const SHOWN_DIGITS = 12;
/** Test digits are grouped by class: show ones spread over all classes. */
const shownIndex = (i: number, count: number) => Math.floor(((i + 0.5) * count) / SHOWN_DIGITS);
/** Work per animation frame before handing the page back to the browser. */
const FRAME_BUDGET_MS = 40;

interface Run {
  method: string;
  label: string;
  colour: string;
  trainer: Trainer;
  losses: number[];
  smoothed: number[];
  accuracy: (number | null)[];
}

const root = appRoot();
const methodOptions = (selected: string, withNone: boolean) => [
  ...(withNone ? [h('option', { value: 'none' }, '— none —')] : []),
  ...TRAIN_METHODS.map((m) => h('option', { value: m.id, selected: m.id === selected }, m.label)),
];
const methodA = h('select', { 'data-testid': 'method-a' }, ...methodOptions('madgrad', false));
const methodB = h('select', { 'data-testid': 'method-b' }, ...methodOptions('adam', true));
const lrA = h('input', { type: 'number', step: 'any', min: 0, 'data-testid': 'lr-a' });
const lrB = h('input', { type: 'number', step: 'any', min: 0, 'data-testid': 'lr-b' });
const seedInput = h('input', { type: 'number', value: 1, min: 0, step: 1, 'data-testid': 'seed' });
const startButton = h(
  'button',
  { class: 'primary', 'data-testid': 'train', disabled: true },
  'Train',
);
const resetButton = h('button', { 'data-testid': 'reset', disabled: true }, 'Reset');
const backendSelect = h('select', { 'data-testid': 'backend', disabled: true });
const stepPathLabel = h('span', { class: 'muted', 'data-testid': 'step-path' });
const status = h('span', { class: 'muted', 'data-testid': 'status' }, 'loading digits…');
const lossBox = h('div', { 'data-testid': 'loss-chart' });
const accBox = h('div', { 'data-testid': 'accuracy-chart' });
const digitGrid = h('div', { class: 'digits', 'data-testid': 'digits' });
lrA.value = String(trainMethodById(methodA.value).defaultLr);
lrB.value = String(trainMethodById(methodB.value).defaultLr);

root.append(
  h('h1', {}, 'Train in the browser'),
  h(
    'p',
    { class: 'lead' },
    `A 784–64–10 perceptron learns handwritten digits (3000 training and 500 test images from the mnist package, built into the page) with mini-batches of ${BATCH}, through TensorFlow.js. Pick a second method to race it on the same batches from the same initial weights.`,
  ),
  h(
    'div',
    { class: 'controls' },
    h('label', {}, 'Method A', methodA, 'lr', lrA),
    h('label', {}, 'Method B', methodB, 'lr', lrB),
    h('label', {}, 'seed', seedInput),
    h('label', {}, 'backend', backendSelect),
    startButton,
    resetButton,
    status,
    stepPathLabel,
  ),
  h(
    'div',
    { class: 'row' },
    h('div', { class: 'card' }, lossBox),
    h('div', { class: 'card' }, accBox),
    h('div', { class: 'card' }, h('h2', {}, 'Test digits and predictions'), digitGrid),
  ),
);

const lossChart = lineChart(
  lossBox,
  { title: 'training loss (smoothed)', yLabel: 'cross-entropy', width: 460, height: 300 },
  [],
);
const accChart = lineChart(
  accBox,
  {
    title: 'test accuracy (500 digits)',
    yLabel: 'accuracy',
    spanGaps: true,
    width: 460,
    height: 300,
  },
  [],
);

let train: DigitSet;
let test: DigitSet;
let testX: Tensor2D | null = null;
let shownX: Tensor2D | null = null;
let runs: Run[] = [];
let schedule: BatchSchedule;
let steps = 0;
let playing = false;
let backend = '';
/** Bumped at every reset: results of reads started before it are dropped. */
let generation = 0;
let offered: BackendName[] = [];

methodA.addEventListener('change', () => {
  lrA.value = String(trainMethodById(methodA.value).defaultLr);
  reset();
});
methodB.addEventListener('change', () => {
  if (methodB.value !== 'none') lrB.value = String(trainMethodById(methodB.value).defaultLr);
  lrB.disabled = methodB.value === 'none';
  reset();
});
for (const input of [lrA, lrB, seedInput]) input.addEventListener('change', () => reset());
backendSelect.addEventListener('change', () => {
  void switchBackend(backendSelect.value as BackendName);
});
startButton.addEventListener('click', () => setPlaying(!playing));
resetButton.addEventListener('click', () => reset());

function readLr(input: HTMLInputElement): number | null {
  const v = Number(input.value);
  const ok = input.value !== '' && Number.isFinite(v) && v > 0;
  input.setCustomValidity(ok ? '' : 'a learning rate > 0');
  return ok ? v : null;
}

/** Moves training to another backend: the data tensors move with tfjs, the runs restart. */
async function switchBackend(name: BackendName): Promise<void> {
  setPlaying(false);
  await ticking;
  for (const b of [backendSelect, startButton, resetButton]) b.disabled = true;
  if (!(await useBackend(name))) status.textContent = `the ${name} backend did not start`;
  backend = getBackend();
  // Tensors are made again on the new backend: moving them would read the old one synchronously,
  // which webgpu cannot do.
  dispose([testX!, shownX!]);
  makeTestTensors();
  backendSelect.value = backend;
  for (const b of [backendSelect, startButton, resetButton]) b.disabled = false;
  reset();
}

function reset(): void {
  setPlaying(false);
  generation += 1;
  for (const r of runs) r.trainer.dispose();
  runs = [];
  steps = 0;
  const seed = Math.max(0, Math.floor(Number(seedInput.value) || 0));
  const chosen: [string, HTMLInputElement][] = [[methodA.value, lrA]];
  if (methodB.value !== 'none') chosen.push([methodB.value, lrB]);
  for (const [id, input] of chosen) {
    const lr = readLr(input);
    if (lr === null) {
      status.textContent = 'learning rates must be numbers > 0';
      return;
    }
    const m = trainMethodById(id);
    const label =
      chosen.length === 2 && chosen[0]![0] === chosen[1]![0] ? `${m.label} (lr ${lr})` : m.label;
    runs.push({
      method: id,
      label,
      colour: runs.length === 1 && chosen[0]![0] === id ? '#555' : m.colour,
      trainer: new Trainer(id, lr, seed),
      losses: [],
      smoothed: [],
      accuracy: [],
    });
  }
  schedule = new BatchSchedule(train.count, BATCH, seed);
  const series: LineSeries[] = runs.map((r) => ({ label: r.label, colour: r.colour }));
  lossChart.setSeries(series);
  accChart.setSeries(series);
  evaluate();
  render();
}

/** Test accuracy at the current step, read asynchronously (dropped after a reset). */
function evaluate(): void {
  const at = steps;
  const gen = generation;
  for (const r of runs) {
    while (r.accuracy.length < at) r.accuracy.push(null);
    void r.trainer.accuracy(test, testX!).then((a) => {
      if (gen !== generation) return;
      r.accuracy[at] = a;
      render();
    });
  }
}

/** One step of every run; the losses stay on the device until the frame reads them. */
function trainOneStep(pending: Scalar[][]): void {
  const { x, y } = batchTensors(train, schedule.next());
  pending.push(runs.map((r) => r.trainer.step(x, y)));
  x.dispose();
  y.dispose();
  steps += 1;
  if (steps % EVAL_EVERY === 0) evaluate();
}

/** Reads a frame's losses in one go (one wait for the device per frame, not per step). */
async function recordLosses(pending: Scalar[][]): Promise<void> {
  const gen = generation;
  const values = await Promise.all(pending.map((row) => Promise.all(row.map((l) => l.data()))));
  dispose(pending.flat());
  if (gen !== generation) return;
  for (const row of values) {
    row.forEach((v, i) => {
      const r = runs[i]!;
      const loss = v[0]!;
      r.losses.push(loss);
      const prev = r.smoothed.at(-1);
      r.smoothed.push(prev === undefined ? loss : 0.9 * prev + 0.1 * loss);
    });
  }
}

function render(): void {
  const xs = Array.from({ length: steps + 1 }, (_, i) => i);
  // Loss k is measured on batch k before step k+1: plot it at step k.
  lossChart.setData(
    xs,
    runs.map((r) => xs.map((k) => r.smoothed[k] ?? null)),
  );
  accChart.setData(
    xs,
    runs.map((r) => xs.map((k) => r.accuracy[k] ?? null)),
  );
  const last = runs.map((r) => {
    const loss = r.smoothed.at(-1);
    const acc = r.accuracy.filter((a) => a !== null).at(-1);
    return `${r.label}: loss ${loss === undefined ? '–' : loss.toFixed(3)}, accuracy ${acc == null ? '–' : (100 * acc).toFixed(1)}%`;
  });
  const path = runs.map((r) => r.trainer.stepPath).find((p) => p !== null);
  stepPathLabel.textContent = path ? `step path: ${path}` : '';
  status.textContent = `backend ${backend} · step ${steps} (epoch ${((steps * BATCH) / train.count).toFixed(1)}) · ${last.join(' · ')}`;
  status.dataset.step = String(steps);
  renderDigits();
}

function renderDigits(): void {
  const gen = generation;
  void Promise.all(runs.map((r) => r.trainer.predict(shownX!))).then((predictions) => {
    if (gen === generation) showDigits(predictions);
  });
}

function showDigits(predictions: Int32Array[]): void {
  const shown = Math.min(SHOWN_DIGITS, test.count);
  digitGrid.replaceChildren(
    ...Array.from({ length: shown }, (_, i) => {
      const canvas = h('canvas', { width: 28, height: 28, style: 'width:56px;height:56px' });
      const ctx = canvas.getContext('2d')!;
      const image = ctx.createImageData(28, 28);
      for (let p = 0; p < PIXELS; p++) {
        const v = 255 - Math.round(test.images[shownIndex(i, test.count) * PIXELS + p]! * 255);
        image.data.set([v, v, v, 255], 4 * p);
      }
      ctx.putImageData(image, 0, 0);
      return h(
        'div',
        { class: 'digit' },
        canvas,
        ...runs.map((r, j) => {
          const guess = predictions[j]![i]!;
          const right = guess === test.labels[shownIndex(i, test.count)];
          return h(
            'div',
            { class: right ? 'ok' : 'wrong', title: r.label },
            `${r.label.split(' ')[0]}: ${guess}`,
          );
        }),
      );
    }),
  );
}

function setPlaying(on: boolean): void {
  playing = on && steps < MAX_STEPS && runs.length > 0;
  startButton.textContent = playing ? 'Pause' : steps > 0 ? 'Continue' : 'Train';
  if (playing) requestAnimationFrame(tick);
}

/** The frame in progress (its loss reads), awaited before the backend changes. */
let ticking: Promise<void> | null = null;

function tick(): void {
  if (!playing || ticking) return;
  ticking = frame().finally(() => {
    ticking = null;
    if (playing) requestAnimationFrame(tick);
  });
}

async function frame(): Promise<void> {
  const until = performance.now() + FRAME_BUDGET_MS;
  const pending: Scalar[][] = [];
  do trainOneStep(pending);
  while (performance.now() < until && steps < MAX_STEPS);
  await recordLosses(pending);
  render();
  if (steps >= MAX_STEPS) setPlaying(false);
}

function makeTestTensors(): void {
  const all = batchTensors(
    test,
    Uint32Array.from({ length: test.count }, (_, i) => i),
  );
  const shown = batchTensors(
    test,
    Uint32Array.from({ length: Math.min(SHOWN_DIGITS, test.count) }, (_, i) =>
      shownIndex(i, test.count),
    ),
  );
  dispose([all.y, shown.y]);
  testX = all.x;
  shownX = shown.x;
}

async function main(): Promise<void> {
  offered = await availableBackends();
  backendSelect.replaceChildren(...offered.map((b) => h('option', { value: b }, b)));
  // WebGL by default (the most widely available GPU backend), else the CPU.
  const start = offered.includes('webgl') ? 'webgl' : 'cpu';
  await useBackend(start);
  backend = getBackend();
  backendSelect.value = backend;
  backendSelect.disabled = false;
  ({ train, test } = await loadDigits());
  makeTestTensors();
  startButton.disabled = false;
  resetButton.disabled = false;
  reset();
}

main().catch((e: unknown) => {
  status.textContent = `could not start: ${(e as Error).message}`;
  throw e;
});

/** For the end-to-end tests: every run's per-step batch losses. */
Object.assign(window, {
  madgradTrain: {
    losses: () => runs.map((r) => ({ method: r.method, losses: r.losses.slice() })),
    backend: () => backend,
    backends: () => offered.slice(),
    stepPaths: () => runs.map((r) => r.trainer.stepPath),
  },
});
