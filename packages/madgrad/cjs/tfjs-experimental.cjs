'use strict';
module.exports = require('./load-esm.cjs')(
  () => require('../dist/src/tfjs/experimental.js'),
  'madgrad/tfjs/experimental',
);
