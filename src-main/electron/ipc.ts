/**
 * The Electron IPC adapter: serves the contract's commands to the app window and forwards the
 * core's pushes (already batched once per tick) to it. Pure checks live in ipc-policy.ts.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { COMMAND_NAMES, PUSH_NAMES, type CallResult, type PushName } from '../../src-shared/contract';
import { dispatch } from '../../src-shared/contract/dispatch';
import type { Core } from '../core/types';
import { CMD_CHANNEL_PREFIX, PUSH_CHANNEL } from './channels';
import { isTrustedSender } from './ipc-policy';

export interface IpcOptions {
  core: Pick<Core, 'handlers' | 'onPush'>;
  /** The renderer's own URL: the file:// index or the dev server URL. */
  appUrl: string;
  /** The one app window, or null while there is none. */
  getWindow: () => BrowserWindow | null;
}

/** Registers every command handler and push forwarder; returns a function that removes them. */
export function registerIpc({ core, appUrl, getWindow }: IpcOptions): () => void {
  function senderProblem(event: IpcMainInvokeEvent): string | null {
    const win = getWindow();
    if (!win || win.isDestroyed() || event.sender.id !== win.webContents.id) return 'not the app window';
    const frame = event.senderFrame;
    if (!frame) return 'sender frame is gone';
    if (frame.parent !== null) return 'sender is a subframe';
    if (!isTrustedSender(frame.url, appUrl)) return `sender is not the app (${frame.url.slice(0, 200)})`;
    return null;
  }

  for (const name of COMMAND_NAMES) {
    ipcMain.handle(CMD_CHANNEL_PREFIX + name, async (event, req: unknown): Promise<CallResult> => {
      const problem = senderProblem(event);
      if (problem) {
        console.warn(`marshal: rejected ${name} over IPC: ${problem}`);
        return { ok: false, error: 'untrusted sender', status: 403 };
      }
      return dispatch(core.handlers, name, req);
    });
  }

  function forward(name: PushName, payload: unknown): void {
    const win = getWindow();
    if (!win || win.isDestroyed()) return;
    const wc = win.webContents;
    // Drop while the page is (re)loading or gone: it re-reads state through commands when ready.
    if (wc.isDestroyed() || wc.isLoading() || wc.isCrashed()) return;
    try {
      wc.send(PUSH_CHANNEL, name, payload);
    } catch (err) {
      console.error(`marshal: could not forward ${name} push`, err);
    }
  }

  const unsubscribes = PUSH_NAMES.map((name) => core.onPush(name, (payload) => forward(name, payload)));

  return () => {
    for (const name of COMMAND_NAMES) ipcMain.removeHandler(CMD_CHANNEL_PREFIX + name);
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
