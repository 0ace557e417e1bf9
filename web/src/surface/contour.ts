import { colourAt } from './colour-map.js';
import type { TestFunction } from './test-functions.js';

/** Maps between the function's window and canvas pixels (y grows upwards on the plot). */
export class PlotFrame {
  constructor(
    readonly fn: TestFunction,
    readonly width: number,
    readonly height: number,
  ) {}

  toPixel(x: number, y: number): [number, number] {
    const [x0, x1, y0, y1] = this.fn.domain;
    return [((x - x0) / (x1 - x0)) * this.width, (1 - (y - y0) / (y1 - y0)) * this.height];
  }

  toPoint(px: number, py: number): [number, number] {
    const [x0, x1, y0, y1] = this.fn.domain;
    return [x0 + (px / this.width) * (x1 - x0), y1 - (py / this.height) * (y1 - y0)];
  }
}

/** The plotted height: log of f − f* (plus a floor), which shows every function's valleys. */
function level(fn: TestFunction, x: number, y: number): number {
  return Math.log10(fn.value(x, y) - fn.minimum + 1e-3);
}

const LINE_CELLS = 120;
const LEVELS = 16;

/**
 * Draws the function as a filled colour map of log(f − f*) with contour lines (marching squares
 * on a coarser grid), the minimizers as crosses, and axis tick labels.
 */
export function drawContour(canvas: HTMLCanvasElement, frame: PlotFrame): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  const { width, height, fn } = frame;
  const values = new Float64Array(width * height);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const [x, y] = frame.toPoint(px + 0.5, py + 0.5);
      const v = level(fn, x, y);
      values[py * width + px] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colourAt((values[i]! - lo) / (hi - lo || 1));
    image.data[4 * i] = r;
    image.data[4 * i + 1] = g;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);

  // Contour lines by marching squares: each cell contributes segments where a level crosses it.
  const n = LINE_CELLS;
  const grid = new Float64Array((n + 1) * (n + 1));
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) {
      const [x, y] = frame.toPoint((i / n) * width, (j / n) * height);
      grid[j * (n + 1) + i] = level(fn, x, y);
    }
  }
  ctx.strokeStyle = 'rgba(20, 30, 60, 0.35)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  const cw = width / n;
  const ch = height / n;
  for (let l = 1; l < LEVELS; l++) {
    const c = lo + ((hi - lo) * l) / LEVELS;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const a = grid[j * (n + 1) + i]!; // top-left
        const b = grid[j * (n + 1) + i + 1]!; // top-right
        const d = grid[(j + 1) * (n + 1) + i]!; // bottom-left
        const e = grid[(j + 1) * (n + 1) + i + 1]!; // bottom-right
        const pts: [number, number][] = [];
        const x = i * cw;
        const y = j * ch;
        if (a < c !== b < c) pts.push([x + ((c - a) / (b - a)) * cw, y]);
        if (b < c !== e < c) pts.push([x + cw, y + ((c - b) / (e - b)) * ch]);
        if (d < c !== e < c) pts.push([x + ((c - d) / (e - d)) * cw, y + ch]);
        if (a < c !== d < c) pts.push([x, y + ((c - a) / (d - a)) * ch]);
        for (let k = 0; k + 1 < pts.length; k += 2) {
          ctx.moveTo(pts[k]![0], pts[k]![1]);
          ctx.lineTo(pts[k + 1]![0], pts[k + 1]![1]);
        }
      }
    }
  }
  ctx.stroke();

  ctx.strokeStyle = '#111';
  ctx.lineWidth = 2;
  for (const [mx, my] of fn.minimizers) {
    const [px, py] = frame.toPixel(mx, my);
    ctx.beginPath();
    ctx.moveTo(px - 6, py - 6);
    ctx.lineTo(px + 6, py + 6);
    ctx.moveTo(px + 6, py - 6);
    ctx.lineTo(px - 6, py + 6);
    ctx.stroke();
  }

  ctx.fillStyle = 'rgba(20, 30, 60, 0.75)';
  ctx.font = '11px system-ui, sans-serif';
  const [x0, x1, y0, y1] = fn.domain;
  for (let t = 0; t <= 4; t++) {
    const xv = x0 + ((x1 - x0) * t) / 4;
    const yv = y0 + ((y1 - y0) * t) / 4;
    const [px] = frame.toPixel(xv, y0);
    const [, py] = frame.toPixel(x0, yv);
    ctx.textAlign = t === 0 ? 'left' : t === 4 ? 'right' : 'center';
    ctx.fillText(`x=${+xv.toFixed(2)}`, px, height - 4);
    ctx.textAlign = 'left';
    if (t > 0 && t < 4) ctx.fillText(`y=${+yv.toFixed(2)}`, 4, py + 4);
  }
}

/** Draws every racer's path and current point, and the start point, on a transparent overlay. */
export function drawTrajectories(
  canvas: HTMLCanvasElement,
  frame: PlotFrame,
  start: readonly [number, number],
  racers: readonly { path: readonly number[]; colour: string; stopped: string | null }[],
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.clearRect(0, 0, frame.width, frame.height);
  for (const r of racers) {
    ctx.strokeStyle = r.colour;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let i = 0; i < r.path.length; i += 2) {
      const [px, py] = frame.toPixel(r.path[i]!, r.path[i + 1]!);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
    const [px, py] = frame.toPixel(r.path.at(-2)!, r.path.at(-1)!);
    ctx.fillStyle = r.colour;
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  const [sx, sy] = frame.toPixel(start[0], start[1]);
  ctx.fillStyle = '#fff';
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(sx, sy, 6, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}
