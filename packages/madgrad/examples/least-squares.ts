/**
 * Trains a least-squares model y = A·w with MADGRAD on minibatches and prints the loss falling.
 *
 *   npx tsx packages/madgrad/examples/least-squares.ts   (from the repository, after npm run build)
 */
import { Madgrad } from 'madgrad';
import { mulberry32 } from 'madgrad/experimental';

// A small, seeded problem: 256 samples, 16 features, a known weight vector plus noise.
const random = mulberry32(42);
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const samples = 256;
const features = 16;
const A = Float32Array.from({ length: samples * features }, gauss);
const wTrue = Float32Array.from({ length: features }, gauss);
const y = new Float32Array(samples);
for (let i = 0; i < samples; i++) {
  let dot = 0;
  for (let j = 0; j < features; j++) dot += A[i * features + j]! * wTrue[j]!;
  y[i] = dot + 0.1 * gauss();
}

const w = { name: 'w', shape: [features], value: new Float32Array(features) };
const optimizer = new Madgrad([w], { lr: 0.05, momentum: 0.9 });

function lossAndGrad(batch: number[], grad: Float32Array): number {
  grad.fill(0);
  let loss = 0;
  for (const i of batch) {
    let residual = -y[i]!;
    for (let j = 0; j < features; j++) residual += A[i * features + j]! * w.value[j]!;
    loss += (0.5 * residual * residual) / batch.length;
    for (let j = 0; j < features; j++) grad[j]! += (residual * A[i * features + j]!) / batch.length;
  }
  return loss;
}

const grad = new Float32Array(features);
const everything = Array.from({ length: samples }, (_, i) => i);
console.log('MADGRAD on least squares (256 samples, 16 features, batch 32)');
for (let step = 0; step <= 400; step++) {
  if (step % 50 === 0) {
    const full = lossAndGrad(everything, new Float32Array(features));
    console.log(`step ${String(step).padStart(3)}  loss ${full.toFixed(6)}`);
  }
  const batch = Array.from({ length: 32 }, () => Math.floor(random() * samples));
  lossAndGrad(batch, grad);
  optimizer.step({ w: grad });
}
