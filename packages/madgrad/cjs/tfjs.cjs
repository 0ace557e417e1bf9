'use strict';
module.exports = require('./load-esm.cjs')(
  () => require('../dist/src/tfjs/index.js'),
  'madgrad/tfjs',
);
