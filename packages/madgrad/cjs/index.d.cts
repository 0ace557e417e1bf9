// Types of require('madgrad'): the ES module's own declarations.
export * from '../dist/src/index.js';
