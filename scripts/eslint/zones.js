// Import zones, as allow-lists: a file may import only from the folders and packages its zone
// lists. A zone is matched by the longest folder prefix; anything not listed is refused, so a new
// dependency between layers is a deliberate edit here, not an accident.
import { dirname, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const rel = (file) => relative(root, file).split('\\').join('/');

const NODE = /^node:/;
const CAPABILITIES = ['range', 'games', 'commands', 'bridges', 'karting', 'sync'];
const CORE = ['src-main/core/', 'src-main/ingest/', 'src-main/services/', 'src-main/broker/'];

/** @type {{name: string, folders: string[], allow: (file: string) => string[], packages: (string|RegExp)[]}[]} */
export const ZONES = [
  { name: 'shared', folders: ['src-shared/'], allow: () => ['src-shared/'], packages: ['zod'] },
  {
    name: 'renderer',
    folders: ['src-renderer/'],
    allow: () => ['src-renderer/', 'src-shared/'],
    packages: ['react', 'react-dom', /^react-dom\//, 'recharts', 'zustand', /^zustand\//],
  },
  {
    name: 'store',
    folders: ['src-main/store/'],
    allow: () => ['src-main/store/', 'src-shared/'],
    packages: [NODE, 'better-sqlite3'],
  },
  {
    name: 'core',
    folders: CORE,
    allow: () => [...CORE, 'src-main/store/', 'src-shared/'],
    packages: [NODE, 'fastify', 'aedes', 'mqtt'],
  },
  {
    name: 'capability',
    folders: CAPABILITIES.map((c) => `src-main/${c}/`),
    // Its own folder, the core it plugs into, the store's API and the pure layer; never another
    // capability, the host, the simulator or electron.
    allow: (file) => [`src-main/${file.split('/')[1]}/`, ...CORE, 'src-main/store/', 'src-shared/'],
    packages: [NODE, 'fastify', '@fastify/websocket', 'better-sqlite3', 'serialport', 'dbus-next', 'ws'],
  },
  {
    name: 'host',
    folders: ['src-main/host/'],
    allow: () => ['src-main/host/', ...CORE, 'src-main/store/', 'src-shared/'],
    packages: [NODE, 'fastify', /^@fastify\//, 'ws'],
  },
  {
    name: 'simulator',
    folders: ['src-main/simulator/'],
    allow: () => ['src-main/simulator/', 'src-shared/'],
    packages: [NODE, 'aedes', 'mqtt', 'ws'],
  },
  {
    name: 'composition root',
    folders: ['src-main/plugins.ts', 'src-main/serve.ts'],
    allow: () => ['src-main/', 'src-shared/'],
    packages: [NODE],
  },
  {
    name: 'electron shell',
    folders: ['src-main/electron/'],
    allow: () => ['src-main/', 'src-shared/'],
    packages: [NODE, 'electron', /^electron\//, 'mqtt'],
  },
];

const TEST_FILE = /\.test\.tsx?$/;
const TEST_EXTRA = ['tests/support/', 'tests/helpers/'];

function zoneOf(file) {
  let best = null;
  for (const z of ZONES)
    for (const f of z.folders)
      if ((file === f || file.startsWith(f)) && (!best || f.length > best.prefix.length))
        best = { zone: z, prefix: f };
  return best?.zone ?? null;
}

/** The refusal message for one import, or null when the zone allows it. */
export function checkImport(fileAbs, spec) {
  const file = rel(fileAbs);
  const zone = zoneOf(file);
  if (!zone) return null;
  const test = TEST_FILE.test(file);
  if (spec.startsWith('.')) {
    const target = rel(resolve(dirname(fileAbs), spec));
    const allowed = [...zone.allow(file), ...(test ? TEST_EXTRA : [])];
    if (allowed.some((a) => target === a.replace(/\/$/, '') || target.startsWith(a))) return null;
    return `${zone.name} code (${file}) may not import ${target}: allowed ${allowed.join(', ')}`;
  }
  if (test && (spec === 'vitest' || spec.startsWith('@testing-library/') || NODE.test(spec))) return null;
  if (zone.packages.some((p) => (typeof p === 'string' ? p === spec : p.test(spec)))) return null;
  return `${zone.name} code (${file}) may not import the package "${spec}"`;
}

const check = (context, node, source) => {
  if (!source || typeof source.value !== 'string') return;
  const msg = checkImport(context.filename, source.value);
  if (msg) context.report({ node, message: msg });
};

export const zonesPlugin = {
  rules: {
    imports: {
      meta: { type: 'problem', schema: [] },
      create(context) {
        return {
          ImportDeclaration: (node) => check(context, node, node.source),
          ExportNamedDeclaration: (node) => check(context, node, node.source),
          ExportAllDeclaration: (node) => check(context, node, node.source),
          ImportExpression: (node) => check(context, node, node.source),
        };
      },
    },
  },
};
