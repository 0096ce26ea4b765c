// better-sqlite3 in node_modules is built for Node (tests, serve, bench). The desktop app needs a
// copy built for Electron's ABI: made once into node_modules/.cache/marshal-electron and handed to
// the store through MARSHAL_SQLITE_BINDING, so the Node build is never replaced.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

export function electronSqliteBinding(root) {
  const electronVersion = JSON.parse(
    readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8'),
  ).version;
  const sqliteDir = join(root, 'node_modules/better-sqlite3');
  const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
  const work = join(
    root,
    'node_modules/.cache/marshal-electron',
    `bs3-${sqliteVersion}-electron-${electronVersion}`,
  );
  const binding = join(work, 'build/Release/better_sqlite3.node');
  if (existsSync(binding)) return binding;

  process.stderr.write(`marshal: building better-sqlite3 for Electron ${electronVersion} (once)…\n`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const part of ['package.json', 'binding.gyp', 'src', 'deps', 'lib']) {
    if (existsSync(join(sqliteDir, part)))
      cpSync(join(sqliteDir, part), join(work, part), { recursive: true });
  }
  const tools = [
    // A prebuilt binary for Electron's ABI, where the network allows…
    [
      join(root, 'node_modules/prebuild-install/bin.js'),
      ['--runtime', 'electron', '--target', electronVersion, '--verbose'],
    ],
    // …otherwise compile against Electron's headers.
    [
      join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
      [
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        '--dist-url=https://electronjs.org/headers',
        '--runtime=electron',
      ],
    ],
  ];
  for (const [script, args] of tools) {
    if (!existsSync(script)) continue;
    const r = spawnSync(process.execPath, [script, ...args], { cwd: work, stdio: 'inherit' });
    if (r.status === 0 && existsSync(binding)) return binding;
  }
  return null;
}
