// Types of require('madgrad/experimental'): the ES module's own declarations.
export * from '../dist/src/experimental.js';
