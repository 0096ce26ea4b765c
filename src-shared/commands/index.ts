/**
 * Commands and configuration for devices, pure: per-target catalogues with typed arguments,
 * topic/payload encoders per family, per-family retained configuration specs.
 */
export * from './fields';
export * from './catalogue';
export * from './encode';
export * from './config';
