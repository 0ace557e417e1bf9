import type { StatefulOptimizer } from 'madgrad';
import { RACE_METHODS, type RaceMethod, type RacerSettings } from './race-methods.js';
import { gaussian } from './random.js';
import type { TestFunction } from './test-functions.js';

/** One method's run: its point, optimizer and history. */
export interface Racer {
  readonly method: RaceMethod;
  readonly point: Float32Array;
  readonly optimizer: StatefulOptimizer;
  /** Visited points, x and y interleaved, starting with the start point. */
  readonly path: number[];
  /** f − f* after each visited point (same length as path / 2). */
  readonly gap: number[];
  /** Why it stopped early ("diverged"), or null while it runs. */
  stopped: string | null;
}

/** Points further than this many window widths from the window count as diverged. */
const ESCAPE_WIDTHS = 50;

/**
 * A race: every enabled method starts from the same point on the same function and takes one
 * step per `step()`. In the noisy variant every method sees its own draw of Gaussian noise from
 * the same seed, so a reset replays the same race.
 */
export class Race {
  readonly racers: Racer[];
  private readonly grad = new Float32Array(2);
  private readonly noise: (() => number)[];
  private steps = 0;

  constructor(
    readonly fn: TestFunction,
    readonly start: readonly [number, number],
    settings: Readonly<Record<string, RacerSettings>>,
    readonly noisy: boolean,
    seed = 1,
  ) {
    this.racers = RACE_METHODS.filter((m) => settings[m.id]?.enabled !== false).map((method) => {
      const point = new Float32Array(start);
      const s = settings[method.id] ?? {
        lr: fn.learningRates[method.id] ?? 0.01,
        momentum: method.defaultMomentum,
        enabled: true,
      };
      return {
        method,
        point,
        optimizer: method.create([{ name: 'xy', shape: [2], value: point }], s),
        path: [point[0]!, point[1]!],
        gap: [this.gapAt(point[0]!, point[1]!)],
        stopped: null,
      };
    });
    this.noise = this.racers.map((_, i) => gaussian(seed * 7919 + i));
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Advances every racer that has not diverged by one step. */
  step(): void {
    const [x0, x1, y0, y1] = this.fn.domain;
    const reach = ESCAPE_WIDTHS * Math.max(x1 - x0, y1 - y0);
    this.racers.forEach((r, i) => {
      if (r.stopped) return;
      this.fn.gradient(r.point[0]!, r.point[1]!, this.grad);
      if (this.noisy) {
        const draw = this.noise[i]!;
        this.grad[0] = this.grad[0]! + this.fn.noiseScale * draw();
        this.grad[1] = this.grad[1]! + this.fn.noiseScale * draw();
      }
      if (!Number.isFinite(this.grad[0]!) || !Number.isFinite(this.grad[1]!)) {
        r.stopped = 'diverged';
        return;
      }
      r.optimizer.step({ xy: this.grad });
      const x = r.point[0]!;
      const y = r.point[1]!;
      if (
        !Number.isFinite(x) ||
        !Number.isFinite(y) ||
        Math.abs(x) > reach ||
        Math.abs(y) > reach
      ) {
        r.stopped = 'diverged';
        return;
      }
      r.path.push(x, y);
      r.gap.push(this.gapAt(x, y));
    });
    this.steps += 1;
  }

  private gapAt(x: number, y: number): number {
    return this.fn.value(x, y) - this.fn.minimum;
  }
}
