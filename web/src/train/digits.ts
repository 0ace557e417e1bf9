/** The packed digits (see web/plugins/digits-asset.ts for the layout). */
export interface DigitSet {
  /** count × 784 pixels in [0, 1]. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export const PIXELS = 28 * 28;

export function parseDigits(buffer: ArrayBuffer): { train: DigitSet; test: DigitSet } {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'DIGT' || view.getUint32(12, true) !== PIXELS) {
    throw new Error('the digits file is not in the expected format');
  }
  const trainCount = view.getUint32(4, true);
  const testCount = view.getUint32(8, true);
  let offset = 16;
  const take = (count: number): DigitSet => {
    const images = new Float32Array(count * PIXELS);
    for (let i = 0; i < images.length; i++) images[i] = bytes[offset + i]! / 255;
    offset += count * PIXELS;
    const labels = bytes.slice(offset, offset + count);
    offset += count;
    return { images, labels, count };
  };
  const train = take(trainCount);
  const test = take(testCount);
  if (offset !== bytes.length) throw new Error('the digits file has the wrong length');
  return { train, test };
}

/** Fetches the digits that the build packed beside the pages. */
export async function loadDigits(): Promise<{ train: DigitSet; test: DigitSet }> {
  const response = await fetch('./data/digits.bin');
  if (!response.ok) throw new Error(`could not load the digits: HTTP ${response.status}`);
  return parseDigits(await response.arrayBuffer());
}
