'use strict';
// Runs every spec (or the files given as arguments) under jasmine with ts-node.
// Type checking is done once by `tsc --noEmit` in `npm test`, so ts-node only transpiles here.
// The last line printed is `N passed, N failed` (the CI contract).
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
process.env.TS_NODE_PROJECT = require('node:path').join(__dirname, '..', 'tsconfig.json');
require('ts-node/register');
const Jasmine = require('jasmine');

const jasmine = new Jasmine({ projectBaseDir: require('node:path').join(__dirname, '..') });
// REAL=1 (npm run test:real) runs the integration specs against AEROSPIKE_HOSTS instead of the unit specs.
const real = process.env.REAL === '1';
jasmine.loadConfig({
  spec_dir: 'spec',
  spec_files: real ? ['real/**/*.real.ts'] : ['**/*.spec.ts'],
  helpers: ['helpers/**/*.helper.ts'],
  random: true,
  stopSpecOnExpectationFailure: false,
});
jasmine.exitOnCompletion = false;

let passed = 0;
let failed = 0;
let pending = 0;
const failures = [];
jasmine.env.clearReporters();
jasmine.env.addReporter({
  specDone(result) {
    if (result.status === 'passed') passed++;
    else if (result.status === 'failed') {
      failed++;
      failures.push(result);
      process.stdout.write('F');
    } else pending++;
    if (result.status === 'passed') process.stdout.write('.');
  },
  suiteDone(result) {
    // Errors in afterAll hooks fail the run too.
    if (result.failedExpectations && result.failedExpectations.length > 0) {
      failed++;
      failures.push(result);
    }
  },
  jasmineDone(result) {
    process.stdout.write('\n');
    for (const f of failures) {
      console.log(`\nFAILED: ${f.fullName}`);
      for (const e of f.failedExpectations) {
        console.log(`  ${e.message}`);
        if (e.stack) console.log(e.stack.split('\n').slice(1, 6).map((l) => `    ${l.trim()}`).join('\n'));
      }
    }
    for (const e of result.failedExpectations || []) {
      failed++;
      console.log(`\nFAILED (global): ${e.message}`);
    }
    if (result.overallStatus === 'incomplete') console.log(`incomplete: ${result.incompleteReason}`);
    const skipped = pending > 0 ? `, ${pending} skipped` : '';
    console.log(`${passed} passed, ${failed} failed${skipped}`);
  },
});

const files = process.argv.slice(2);
jasmine
  .execute(files.length > 0 ? files : undefined)
  .then((result) => {
    process.exitCode = failed === 0 && passed > 0 && result.overallStatus !== 'failed' ? 0 : 1;
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
