import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Tick label on a log axis: plain numbers from 0.01 to 10⁴, powers of ten beyond. */
function logTick(v: number | null): string {
  if (v == null) return '';
  if (v >= 0.01 && v < 1e4) return String(+v.toPrecision(2));
  return `1e${Math.round(Math.log10(v))}`;
}

export interface LineSeries {
  label: string;
  colour: string;
  dash?: number[];
}

export interface LineChart {
  /** Replaces the data: shared x values and one y array per series (null for a gap). */
  setData(xs: number[], ys: (number | null)[][]): void;
  setSeries(series: LineSeries[]): void;
}

/**
 * A line chart on canvas (uPlot: small, fast, no dependencies), x = step, optionally log y.
 */
export function lineChart(
  target: HTMLElement,
  options: {
    title: string;
    yLabel: string;
    logY?: boolean;
    /** Join points across missing values (for series measured every few steps). */
    spanGaps?: boolean;
    width: number;
    height: number;
  },
  initial: LineSeries[],
): LineChart {
  let plot: uPlot | null = null;
  let lastX: number[] = [];
  let lastY: (number | null)[][] = [];
  const build = (series: LineSeries[]) => {
    plot?.destroy();
    plot = new uPlot(
      {
        title: options.title,
        width: options.width,
        height: options.height,
        scales: { x: { time: false }, y: options.logY ? { distr: 3 } : {} },
        axes: [
          { label: 'step' },
          {
            label: options.yLabel,
            size: 60,
            ...(options.logY
              ? { values: (_: uPlot, splits: number[]) => splits.map(logTick) }
              : {}),
          },
        ],
        series: [
          { label: 'step' },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.colour,
            width: 2,
            ...(s.dash ? { dash: s.dash } : {}),
            spanGaps: options.spanGaps ?? false,
            points: { show: options.spanGaps ?? false, size: 4 },
          })),
        ],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      [lastX, ...series.map((_, i) => lastY[i] ?? lastX.map(() => null))] as uPlot.AlignedData,
      target,
    );
  };
  build(initial);
  return {
    setData(xs, ys) {
      lastX = xs;
      lastY = ys;
      plot?.setData([xs, ...ys] as uPlot.AlignedData);
    },
    setSeries(series) {
      lastX = [];
      lastY = [];
      build(series);
    },
  };
}
