import * as tf from '@tensorflow/tfjs-core';
import { replaceSlowWasmKernels } from 'tfjs-wasm-training-kernels'; if (process.env.FAST) console.error(replaceSlowWasmKernels());
import { benchmarkCnn, CNN_INPUT } from './dist/src/bench/training-bench.js';
const log = console.log; console.log = () => {};
await tf.setBackend('wasm'); console.log = log;
const model = benchmarkCnn();
const opt = tf.train.sgd(1e-2);
const x = tf.randomUniform([64, ...CNN_INPUT], 0, 1, 'float32', 7);
const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 8), 10);
const vars = model.trainableWeights.map((w) => w.read());
const step = () => { const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true, vars); l.dataSync(); l.dispose(); };
step();
const spent = new Map();
const configs = tf.getKernelsForBackend('wasm');
for (const k of configs) { const run = k.kernelFunc; k.kernelFunc = (args) => { const t = performance.now(); const out = run(args); const key = k.kernelName + ' ' + Object.values(args.inputs).map(i=>'['+i?.shape+']').join('') + ' ' + JSON.stringify(args.attrs ?? {}).slice(0,80); spent.set(key, (spent.get(key) ?? 0) + performance.now() - t); return out; }; }
for (let i = 0; i < 5; i++) step();
for (const [k, v] of [...spent].sort((a,b)=>b[1]-a[1]).slice(0,40)) console.log((v/5).toFixed(2).padStart(8), k);
