import type { ModuleFactory } from './module';

/**
 * The capability modules the core composes, in start order. Each lives in its own folder under
 * src-main (range/, games/, commands/, bridges/) and is added here.
 */
export const MODULES: ModuleFactory[] = [];
