export * from './model';
export * from './times';
export * from './labels';
export { ApexFeed, parseGridHtml, decodeEntities, type ApexFeedOptions } from './apex';
export { RMonitorFeed, splitRecord, END_OF_RUN } from './rmonitor';
export { detectProtocol } from './detect';
