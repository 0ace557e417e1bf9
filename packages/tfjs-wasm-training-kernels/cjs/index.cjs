'use strict';
module.exports = require('./load-esm.cjs')(
  () => require('../dist/src/index.js'),
  'tfjs-wasm-training-kernels',
);
