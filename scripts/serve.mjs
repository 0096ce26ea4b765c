// `npm run serve`: build when sources changed, then run the headless console in this process so
// SIGINT/SIGTERM reach it directly.
import { buildIfStale } from './build-if-stale.mjs';

buildIfStale();
await import('../out/main/serve.js');
