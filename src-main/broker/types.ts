import type { ClientRow } from '../../src-shared/contract';
import type { Inbound } from '../ingest/pipeline';

export interface BrokerAdapter {
  readonly mode: 'embedded' | 'external';
  start(): Promise<void>;
  stop(): Promise<void>;
  urls(): string[];
  state(): 'up' | 'down' | 'starting';
  lastError(): string | null;
  clients(): ClientRow[];
  /** Counters of what the adapter's guards and reconnects did, for health. */
  guardCounts?(): Record<string, number>;
  /** Publishes as the console (commands, configs, its own status). */
  publish(
    topic: string,
    payload: string | Buffer,
    opts?: { qos?: 0 | 1 | 2; retain?: boolean },
  ): Promise<void>;
}

export type IngestSink = (msg: Inbound) => void;
