// Types of require('madgrad/tfjs/experimental'): the ES module's own declarations.
export * from '../dist/src/tfjs/experimental.js';
