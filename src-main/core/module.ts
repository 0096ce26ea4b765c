import type { FastifyInstance } from 'fastify';
import type { MarshalEvent } from '../../src-shared/events/model';
import type { ParsedEvent } from '../../src-shared/ingest';
import type { Handlers, HealthSnapshot, PushMap, PushName, Stats } from '../../src-shared/contract';
import type { BrokerAdapter } from '../broker/types';
import type { CommittedBatch, IngestPipeline } from '../ingest/pipeline';
import type { DeviceRegistry } from '../services/devices';
import type { Store } from '../store/store';
import type { Migration } from '../store/migrations';
import type { ContractRoute } from './routes';
import type { ServiceMap } from './services';
import type { CoreConfig } from './types';

/** What the core hands each capability module. */
export interface ModuleContext {
  readonly config: CoreConfig;
  readonly store: Store;
  readonly broker: BrokerAdapter;
  readonly devices: DeviceRegistry;
  readonly pipeline: IngestPipeline;
  /** Pushes to every view (batched by the caller: one push per tick, never per message). */
  emit<E extends PushName>(name: E, payload: PushMap[E]): void;
  /** Every committed ingest batch, right after its commit. */
  onCommitted(listener: (batch: CommittedBatch) => void): () => void;
  health(): HealthSnapshot;
  /**
   * Stores events the console produced (alerts, run events, audit entries, HTTP-ingested game
   * events) and announces them to views and `/live` like ingested ones. Returns the stored events
   * (repeats of a known `data.dedup_key` are skipped).
   */
  record(events: ParsedEvent[], topic: string): MarshalEvent[];
  /** Publishes as the console (commands, retained configs, run status) through the broker. */
  publish(
    topic: string,
    payload: string | Uint8Array,
    opts?: { qos?: 0 | 1 | 2; retain?: boolean },
  ): Promise<void>;
  /** Services capabilities offer each other (typed: see services.ts). */
  readonly services: ServiceMap;
}

/**
 * A capability (range operations, games, commands, bridges…) plugged into the core: its contract
 * handlers, its HTTP routes, its lifecycle and its share of stats and health.
 */
export interface CoreModule {
  readonly name: string;
  readonly handlers?: Partial<Handlers>;
  /** HTTP routes that mirror one of its commands; the host serves them (see routes.ts). */
  readonly contractRoutes?: readonly ContractRoute[];
  /**
   * Registers the HTTP routes outside the contract (downloads, the originals' own API, static
   * pages) on the serve host (never on `/api/health`, `/live` or `/ws`).
   */
  routes?(app: FastifyInstance): void | Promise<void>;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
  stats?(): Partial<Stats>;
  /** Patches the health snapshot (e.g. `bridges`, `sync`). */
  health?(h: HealthSnapshot): void;
  /** Further listeners it opened, as `label: URL` lines for serve's stdout. */
  urls?(): string[];
}

export type ModuleFactory = (ctx: ModuleContext) => CoreModule;

/**
 * A capability as the composition root lists it: its tables (migrations in its own version
 * range, applied by the store before anything starts) and how to build it on a context.
 */
export interface Plugin {
  readonly name: string;
  readonly migrations: readonly Migration[];
  create: ModuleFactory;
}
