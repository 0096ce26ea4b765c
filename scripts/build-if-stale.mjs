// Builds with electron-vite when out/ is missing or older than any source file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const SOURCES = ['src-main', 'src-renderer', 'src-shared', 'electron.vite.config.ts', 'package.json'];
const OUTPUTS = [
  'out/main/serve.js',
  'out/main/index.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

export function buildIfStale() {
  const outTimes = OUTPUTS.map((p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0));
  const oldestOut = Math.min(...outTimes);
  const newestSrc = Math.max(...SOURCES.map((p) => newest(join(root, p))));
  if (oldestOut > 0 && oldestOut >= newestSrc) return;
  process.stderr.write('marshal: building (electron-vite build)…\n');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (r.status !== 0) {
    process.stderr.write('marshal: build failed\n');
    process.exit(r.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfStale();
