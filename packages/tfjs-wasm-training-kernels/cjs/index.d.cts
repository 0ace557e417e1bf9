// Types of require('tfjs-wasm-training-kernels'): the ES module's own declarations.
export * from '../dist/src/index.js';
