// Types of require('madgrad/tfjs'): the ES module's own declarations.
export * from '../dist/src/tfjs/index.js';
