'use strict';
module.exports = require('./load-esm.cjs')(
  () => require('../dist/src/experimental.js'),
  'madgrad/experimental',
);
