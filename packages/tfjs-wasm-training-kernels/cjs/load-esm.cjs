'use strict';
// The `require` entry point of tfjs-wasm-training-kernels. The package is an ES module; Node.js
// 20.19+ and 22.12+ can require() it synchronously, so this file hands over the ES module itself
// (one instance, and one registration of the kernels, for import and require). Older Node.js
// versions cannot, and get a message that says what to do.
module.exports = function loadEsm(load, specifier) {
  try {
    return load();
  } catch (error) {
    if (error && (error.code === 'ERR_REQUIRE_ESM' || error.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
      throw new Error(
        `require('${specifier}') needs Node.js 20.19+ or 22.12+ (this is ${process.version}), which can require() ES modules. ` +
          `On this version, load it with import: \`import '${specifier}'\` in an ES module, ` +
          `or \`await import('${specifier}')\` from CommonJS.`,
        { cause: error },
      );
    }
    throw error;
  }
};
