import type { ModuleFactory } from './module';
import { gamesModule } from '../games';
import { commandsModule } from '../commands';
import { rangeModule } from '../range';
import { bridgesModule } from '../bridges';

/**
 * The capability modules the core composes, in start order. Each lives in its own folder under
 * src-main (range/, games/, commands/, bridges/) and is added here.
 */
export const MODULES: ModuleFactory[] = [gamesModule, commandsModule, bridgesModule, rangeModule];
