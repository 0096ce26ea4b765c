/**
 * The karting spectator page's files (spectator/), served as they are: no inline script, so the
 * host's CSP holds. Found beside this file from source, and beside the built main process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = {
  'karting.html': 'text/html; charset=utf-8',
  'karting.js': 'text/javascript; charset=utf-8',
  'karting.css': 'text/css; charset=utf-8',
} as const;

export type KartingSpectatorFile = keyof typeof FILES;

export class SpectatorPage {
  private cache = new Map<KartingSpectatorFile, Buffer>();
  readonly dir: string | null;

  constructor(here = dirname(fileURLToPath(import.meta.url))) {
    const candidates = [
      join(here, 'spectator'),
      join(here, 'karting-spectator'),
      resolve(here, '../karting-spectator'),
      resolve(here, '../../src-main/karting/spectator'),
      resolve(here, '../../../src-main/karting/spectator'),
    ];
    this.dir = candidates.find((d) => existsSync(join(d, 'karting.html'))) ?? null;
  }

  get(name: KartingSpectatorFile): { body: Buffer; type: string } | null {
    if (!this.dir) return null;
    let body = this.cache.get(name);
    if (!body) this.cache.set(name, (body = readFileSync(join(this.dir, name))));
    return { body, type: FILES[name] };
  }
}
