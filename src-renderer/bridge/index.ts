/**
 * Picks the transport: Electron's preload (`window.api`) when present, otherwise a WebSocket to
 * the `serve` host that served this page (`ws(s)://<host>/ws`). Views only ever see the Bridge and
 * its feature flags; the shell also reads the connection state.
 */
import type { Bridge } from '../../src-shared/contract';
import { ALWAYS_CONNECTED, createConnectionSubject, type ConnectionObservable } from './connection';
import { bridgeFromPreload, isPreloadApi } from './preload';
import { createWsBridge, type SocketFactory, type SocketLike } from './wsBridge';

/** What a view may need to know about where it runs, instead of asking which transport it is. */
export interface BridgeFeatures {
  /** The spectator page, when this window can open it (the serve host that served the UI). */
  readonly spectatorUrl?: string;
  /** The main process drives BLE through this window's Web Bluetooth (the desktop app). */
  readonly webBluetooth: boolean;
  /** How the health bar names the link to the core. */
  readonly link: string;
}

export interface AppBridge extends Bridge {
  readonly connection: ConnectionObservable;
  readonly features: BridgeFeatures;
}

/** The bits of `window` the choice depends on; tests pass a plain object. */
export interface BridgeHost {
  api?: unknown;
  location: { protocol: string; host: string };
}

export function wsUrlFor(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

const browserSocket: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;

export function createBridge(
  host: BridgeHost = window as unknown as BridgeHost,
  createSocket = browserSocket,
): AppBridge {
  if (isPreloadApi(host.api)) {
    const inner = bridgeFromPreload(host.api);
    return {
      call: inner.call,
      on: inner.on,
      connection: createConnectionSubject(ALWAYS_CONNECTED),
      features: { webBluetooth: true, link: 'IPC' },
    };
  }
  const ws = createWsBridge({ url: wsUrlFor(host.location), createSocket });
  return {
    call: ws.call,
    on: ws.on,
    connection: ws.connection,
    features: { spectatorUrl: '/leaderboard', webBluetooth: false, link: 'WebSocket' },
  };
}
