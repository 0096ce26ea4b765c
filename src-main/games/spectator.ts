/**
 * The spectator page's files (spectator/: HTML, JS, CSS), served as they are: no inline script,
 * so the host's CSP (`script-src 'self'`) holds. The folder is found beside this file when run
 * from source (tsx), and from the project root when run from the build (out/main).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPECTATOR_FILES = {
  'leaderboard.html': 'text/html; charset=utf-8',
  'spectator.js': 'text/javascript; charset=utf-8',
  'spectator.css': 'text/css; charset=utf-8',
} as const;

export type SpectatorFile = keyof typeof SPECTATOR_FILES;

export function spectatorDirCandidates(here = dirname(fileURLToPath(import.meta.url))): string[] {
  const fromEnv = process.env.MARSHAL_SPECTATOR_DIR;
  return [
    ...(fromEnv ? [fromEnv] : []),
    join(here, 'spectator'),
    // Built: out/main/serve.js or out/main/chunks/*.js → the project root.
    resolve(here, '../../src-main/games/spectator'),
    resolve(here, '../../../src-main/games/spectator'),
  ];
}

export class SpectatorAssets {
  private cache = new Map<SpectatorFile, Buffer>();
  readonly dir: string | null;

  constructor(candidates = spectatorDirCandidates()) {
    this.dir = candidates.find((d) => existsSync(join(d, 'leaderboard.html'))) ?? null;
  }

  /** The file's bytes and content type, or null when the page's folder was not found. */
  get(name: SpectatorFile): { body: Buffer; type: string } | null {
    if (!this.dir) return null;
    let body = this.cache.get(name);
    if (!body) {
      body = readFileSync(join(this.dir, name));
      this.cache.set(name, body);
    }
    return { body, type: SPECTATOR_FILES[name] };
  }
}
