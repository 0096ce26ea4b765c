import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/** The spectator page is served as plain files: ship them beside the built main process. */
function copySpectator(): Plugin {
  return {
    name: 'marshal-copy-spectator',
    apply: 'build',
    closeBundle: () => {
      cpSync(resolve('src-main/games/spectator'), resolve('out/main/spectator'), { recursive: true });
      cpSync(resolve('src-main/karting/spectator'), resolve('out/main/karting-spectator'), {
        recursive: true,
      });
    },
  };
}

/** React fast refresh injects an inline preamble in dev only; the built app keeps the strict CSP. */
function devCsp(): Plugin {
  return {
    name: 'marshal-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  main: {
    plugins: [copySpectator()],
    build: {
      rolldownOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          serve: resolve('src-main/serve.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: {
      rolldownOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
    plugins: [react(), devCsp()],
  },
});
