// ctest entry: `node run.mjs FILE.test.mjs` runs `node --test FILE.test.mjs`,
// or exits with 77 (SKIP_RETURN_CODE) and says why when Debian's Chromium or
// web/node_modules/playwright-core is missing. (`node --test` itself turns
// any exit code of a test file into 1, so the check has to happen here.)

import { spawnSync } from 'node:child_process';
import { requireBrowserOrSkip } from './server.mjs';

const file = process.argv[2];
if (!file) {
    process.stderr.write('usage: node run.mjs FILE.test.mjs\n');
    process.exit(2);
}
requireBrowserOrSkip();  // exits 77 with a message when something is missing
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', file], { stdio: 'inherit', timeout: 170000 });
if (r.error) {
    process.stderr.write(`run.mjs: ${r.error.message}\n`);
    process.exit(1);
}
process.exit(r.status ?? 1);
