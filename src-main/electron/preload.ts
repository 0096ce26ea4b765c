/**
 * The sandboxed preload: exposes `window.api` (one method per contract command plus `subscribe`)
 * and nothing else — no ipcRenderer, no Node objects. Bundled to out/preload/index.cjs, which must
 * not `require()` anything but `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { PreloadApi } from '../../src-shared/contract';
import { createPreloadApi } from './preload-api';

const api = createPreloadApi(ipcRenderer) satisfies PreloadApi;

contextBridge.exposeInMainWorld('api', api);
