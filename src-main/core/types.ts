import type { Handlers, PushMap, PushName } from '../../src-shared/contract';

export interface CoreConfig {
  dataDir: string;
  /** Embedded broker port; 0 picks a free one. Ignored with an external broker. */
  mqttPort: number;
  /** Listen on all interfaces with credentials and ACL. */
  lan: boolean;
  /** LAN mode: families admitted without credentials, each held to its own tree. */
  lanAnonymous?: string[];
  /** External broker URL (mqtt://, mqtts://, ws://); no embedded broker then. */
  brokerUrl?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  /** TLS listener for the embedded broker when both are set. */
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: number;
  /** CA file for an external broker with a private CA. */
  brokerCa?: string;
  /** Topic prefix of range bridges, default `leadville`. */
  rangePrefix: string;
  maxPayloadBytes: number;
  /** Raw telemetry retention before downsampling, ms. */
  rawRetentionMs: number;
  neurogameApiKey: string;
  /** The karting app's API on a second port as well (`--karting-port`; 0 picks a free one). */
  kartingPort?: number;
  /** Names the HTTP listeners answer to besides localhost, loopback and (LAN) this machine's addresses. */
  allowedHosts?: readonly string[];
  /** An HTTP sync destination (`--sync-url`) and its bearer token (`MARSHAL_SYNC_TOKEN`). */
  syncUrl?: string;
  syncToken?: string;
  /** Event kinds that destination gets (`--sync-kinds a,b`); none: every kind of event. */
  syncKinds?: string[];
  /** How this console names itself upstream (`--console-id`; default the host name). */
  consoleId?: string;
}

/** The Node-side core, never importing electron; the desktop shell and `serve` both wire it. */
export interface Core {
  readonly config: CoreConfig;
  readonly handlers: Handlers;
  onPush<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void;
  /** Starts store, broker and ingest; resolves when ready to accept devices. */
  start(): Promise<void>;
  /** Flushes and closes everything; safe to call twice. */
  stop(): Promise<void>;
  /** URLs of the broker listeners (`mqtt://HOST:PORT`), or the external broker's. */
  mqttUrls(): string[];
}
