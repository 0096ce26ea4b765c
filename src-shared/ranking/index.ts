export * from './competition';
export * from './sessions';
export * from './tasks';
