// `npm test`: every check the project has, in order, with one summary at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);
// Not test-results/: Playwright empties that folder when it starts.
const results = join(root, 'test-reports');
rmSync(join(results, 'vitest.json'), { force: true });
rmSync(join(results, 'e2e.json'), { force: true });
mkdirSync(results, { recursive: true });

const steps = [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']],
  ['typecheck (renderer)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']],
  ['lint', bin('eslint'), ['.', '--max-warnings', '0']],
  ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  [
    'unit + integration',
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile=${join(results, 'vitest.json')}`],
  ],
  ['build', bin('electron-vite'), ['build']],
  ['e2e', bin('playwright'), ['test']],
];

const failed = [];
for (const [name, cmd, args] of steps) {
  process.stdout.write(`\n── ${name} ──\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed.push(name);
    // Without a build there is nothing for e2e to run against.
    if (name === 'build') break;
  }
}

let passed = 0;
let failedTests = 0;
let skipped = 0;
const vitest = join(results, 'vitest.json');
if (existsSync(vitest)) {
  const v = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failedTests += v.numFailedTests ?? 0;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
}
const e2e = join(results, 'e2e.json');
if (existsSync(e2e)) {
  const s = JSON.parse(readFileSync(e2e, 'utf8')).stats ?? {};
  passed += s.expected ?? 0;
  failedTests += (s.unexpected ?? 0) + (s.flaky ?? 0);
  skipped += s.skipped ?? 0;
}

process.stdout.write(`\n${failed.length ? `failed steps: ${failed.join(', ')}` : 'all steps passed'}\n`);
process.stdout.write(`tests: ${passed} passed, ${failedTests} failed, ${skipped} skipped\n`);
process.exit(failed.length ? 1 : 0);
