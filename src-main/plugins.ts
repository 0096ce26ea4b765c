/**
 * The composition root: every capability the console runs, in start order. `serve`, the
 * Electron main process and the benchmark build the core from this list; nothing else lists
 * capabilities.
 */
import type { Plugin } from './core/module';
import { bridgesPlugin } from './bridges';
import { commandsPlugin } from './commands';
import { gamesPlugin } from './games';
import { kartingPlugin } from './karting';
import { rangePlugin } from './range';
import { syncPlugin } from './sync';

export const PLUGINS: readonly Plugin[] = [
  gamesPlugin,
  commandsPlugin,
  bridgesPlugin,
  rangePlugin,
  kartingPlugin,
  syncPlugin,
];
