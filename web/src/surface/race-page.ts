import '../style.css';
import { lineChart } from '../charts.js';
import { appRoot, h } from '../dom.js';
import { drawContour, drawTrajectories, PlotFrame } from './contour.js';
import { Race } from './race.js';
import { RACE_METHODS, type RacerSettings } from './race-methods.js';
import { TEST_FUNCTIONS, type TestFunction, testFunctionById } from './test-functions.js';

const SIZE = 520;
const MAX_STEPS = 3000;
/** Floor for f − f* on the log-scale chart (exact zeros happen on the quadratics). */
const GAP_FLOOR = 1e-12;

let fn: TestFunction = TEST_FUNCTIONS[0]!;
let start: [number, number] = [fn.start[0], fn.start[1]];
let noisy = false;
let playing = false;
let stepsPerFrame = 2;
const settings: Record<string, RacerSettings> = {};
let race: Race;

// ---- layout
const root = appRoot();
const functionSelect = h(
  'select',
  { 'data-testid': 'function' },
  ...TEST_FUNCTIONS.map((f) => h('option', { value: f.id }, f.label)),
);
const noisyBox = h('input', { type: 'checkbox', 'data-testid': 'noisy' });
const playButton = h('button', { class: 'primary', 'data-testid': 'play' }, 'Play');
const stepButton = h('button', { 'data-testid': 'step' }, 'Step');
const resetButton = h('button', { 'data-testid': 'reset' }, 'Reset');
const speedInput = h('input', { type: 'range', min: 1, max: 20, value: stepsPerFrame });
const status = h('span', { class: 'muted', 'data-testid': 'status' });
const formula = h('p', { class: 'muted' });
const contourCanvas = h('canvas', { width: SIZE, height: SIZE, 'data-testid': 'contour' });
const overlayCanvas = h('canvas', { width: SIZE, height: SIZE, 'data-testid': 'trajectories' });
const chartBox = h('div', { 'data-testid': 'loss-chart' });
const methodRows = h('tbody');

root.append(
  h('h1', {}, 'Race on a surface'),
  h(
    'p',
    { class: 'lead' },
    'Five optimizers start from the same point (click the plot to move it) and take one step each per tick. All five are the madgrad library’s core optimizers running in your browser. Changing a setting restarts the race.',
  ),
  h(
    'div',
    { class: 'controls' },
    h('label', {}, 'Function', functionSelect),
    h('label', {}, noisyBox, 'noisy gradients'),
    playButton,
    stepButton,
    resetButton,
    h('label', {}, 'steps per frame', speedInput),
    status,
  ),
  h(
    'div',
    { class: 'row' },
    h(
      'div',
      { class: 'card', style: `width:${SIZE}px` },
      h(
        'div',
        { class: 'plot-stack', style: `width:${SIZE}px;height:${SIZE}px` },
        contourCanvas,
        overlayCanvas,
      ),
      formula,
    ),
    h(
      'div',
      {},
      h('div', { class: 'card' }, chartBox),
      h(
        'div',
        { class: 'card', style: 'margin-top:1rem' },
        h(
          'table',
          { class: 'methods' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'on'),
              h('th', {}, 'method'),
              h('th', {}, 'learning rate'),
              h('th', {}, 'momentum'),
              h('th', {}, 'f − f*'),
            ),
          ),
          methodRows,
        ),
      ),
    ),
  ),
);

const chart = lineChart(
  chartBox,
  { title: 'f − f* by step', yLabel: 'f − f* (log)', logY: true, width: 600, height: 330 },
  [],
);

// ---- per-method controls
const gapCells = new Map<string, HTMLElement>();
const lrInputs = new Map<string, HTMLInputElement>();
for (const m of RACE_METHODS) {
  settings[m.id] = { lr: fn.learningRates[m.id]!, momentum: m.defaultMomentum, enabled: true };
  const on = h('input', { type: 'checkbox', checked: true, 'data-testid': `enable-${m.id}` });
  const lr = h('input', {
    type: 'number',
    step: 'any',
    min: 0,
    value: settings[m.id]!.lr,
    'data-testid': `lr-${m.id}`,
  });
  const mom = h('input', {
    type: 'number',
    step: 'any',
    min: 0,
    max: 0.999,
    value: m.defaultMomentum,
    disabled: m.momentumLabel === null,
    title: m.momentumLabel ?? 'AdaGrad has no momentum',
  });
  const gap = h('td', { class: 'muted' }, '–');
  lrInputs.set(m.id, lr);
  gapCells.set(m.id, gap);
  on.addEventListener('change', () => {
    settings[m.id]!.enabled = on.checked;
    reset();
  });
  const onNumber = (input: HTMLInputElement, key: 'lr' | 'momentum') => () => {
    const v = Number(input.value);
    const ok = input.value !== '' && Number.isFinite(v) && v >= 0 && (key === 'lr' || v < 1);
    input.setCustomValidity(ok ? '' : 'a number ≥ 0 (momentum < 1)');
    if (!ok) return;
    settings[m.id]![key] = v;
    reset();
  };
  lr.addEventListener('change', onNumber(lr, 'lr'));
  mom.addEventListener('change', onNumber(mom, 'momentum'));
  methodRows.append(
    h(
      'tr',
      {},
      h('td', {}, on),
      h('td', {}, h('span', { class: 'swatch', style: `background:${m.colour}` }), ` ${m.label}`),
      h('td', {}, lr),
      h(
        'td',
        {},
        mom,
        m.momentumLabel && m.momentumLabel !== 'momentum' ? ` ${m.momentumLabel}` : '',
      ),
      gap,
    ),
  );
}

// ---- behaviour
function chooseFunction(next: TestFunction): void {
  fn = next;
  start = [fn.start[0], fn.start[1]];
  for (const m of RACE_METHODS) {
    settings[m.id]!.lr = fn.learningRates[m.id]!;
    lrInputs.get(m.id)!.value = String(settings[m.id]!.lr);
  }
  formula.textContent = `${fn.formula}; minimum f* = ${fn.minimum} (×). Colours: log(f − f*).`;
  drawContour(contourCanvas, new PlotFrame(fn, SIZE, SIZE));
  reset();
}

function reset(): void {
  race = new Race(fn, start, settings, noisy);
  chart.setSeries(race.racers.map((r) => ({ label: r.method.label, colour: r.method.colour })));
  render();
}

function render(): void {
  const frame = new PlotFrame(fn, SIZE, SIZE);
  drawTrajectories(
    overlayCanvas,
    frame,
    start,
    race.racers.map((r) => ({ path: r.path, colour: r.method.colour, stopped: r.stopped })),
  );
  const steps = Array.from({ length: race.stepCount + 1 }, (_, i) => i);
  chart.setData(
    steps,
    race.racers.map((r) =>
      steps.map((k) => (k < r.gap.length ? Math.max(GAP_FLOOR, r.gap[k]!) : null)),
    ),
  );
  for (const m of RACE_METHODS) {
    const r = race.racers.find((x) => x.method.id === m.id);
    const cell = gapCells.get(m.id)!;
    cell.textContent = !r ? 'off' : r.stopped ? r.stopped : r.gap.at(-1)!.toExponential(2);
  }
  status.textContent = `step ${race.stepCount}${noisy ? ' · noisy' : ''} · start (${start[0].toFixed(2)}, ${start[1].toFixed(2)})`;
  status.dataset.step = String(race.stepCount);
}

function advance(n: number): void {
  for (let i = 0; i < n && race.stepCount < MAX_STEPS; i++) race.step();
  if (race.stepCount >= MAX_STEPS) setPlaying(false);
  render();
}

function setPlaying(on: boolean): void {
  playing = on;
  playButton.textContent = on ? 'Pause' : 'Play';
  if (on) requestAnimationFrame(tick);
}

function tick(): void {
  if (!playing) return;
  advance(stepsPerFrame);
  if (playing) requestAnimationFrame(tick);
}

functionSelect.addEventListener('change', () =>
  chooseFunction(testFunctionById(functionSelect.value)),
);
noisyBox.addEventListener('change', () => {
  noisy = noisyBox.checked;
  reset();
});
playButton.addEventListener('click', () => setPlaying(!playing));
stepButton.addEventListener('click', () => {
  setPlaying(false);
  advance(1);
});
resetButton.addEventListener('click', () => {
  setPlaying(false);
  reset();
});
speedInput.addEventListener('input', () => {
  stepsPerFrame = Number(speedInput.value);
});
overlayCanvas.addEventListener('click', (event) => {
  const rect = overlayCanvas.getBoundingClientRect();
  const frame = new PlotFrame(fn, SIZE, SIZE);
  const [x, y] = frame.toPoint(
    ((event.clientX - rect.left) * SIZE) / rect.width,
    ((event.clientY - rect.top) * SIZE) / rect.height,
  );
  start = [x, y];
  reset();
});

chooseFunction(fn);

/** For the end-to-end tests: where each racer is now. */
Object.assign(window, {
  madgradRace: {
    positions: () => race.racers.map((r) => ({ id: r.method.id, x: r.point[0], y: r.point[1] })),
    stepCount: () => race.stepCount,
  },
});
