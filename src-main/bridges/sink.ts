/**
 * Where bridged traffic enters the console: every message goes into the same ingest pipeline as
 * an MQTT publish (same topic, same payload format), so runs, detection, the device registry and
 * `/live` treat a bridged device like any other. Optionally the message is also published into
 * the broker's tree for other subscribers; with an external broker the console then receives its
 * own copy back, which the store's topic+payload dedup keeps as a duplicate (one event).
 * Lines a bridge cannot even turn into a message (not JSON, too long, no topic) are stored as
 * rejects directly, with the reason, and announced like the pipeline's.
 */
import { toIso } from '../../src-shared/events/time';
import { payloadPreview, redactSecrets, type RejectCode } from '../../src-shared/ingest';
import { familyOfTopic } from '../../src-shared/families';
import type { BridgesSettings } from '../../src-shared/contract/bridges';
import type { RejectRow } from '../../src-shared/contract';
import type { ModuleContext } from '../core/module';

export interface SinkOptions {
  clientId: string;
  receivedAt: number;
  /** Status topics are retained on the wire; only used when republishing. */
  retain?: boolean;
}

export class BridgeSink {
  lastError: string | null = null;
  republished = 0;

  constructor(
    private readonly ctx: Pick<ModuleContext, 'pipeline' | 'publish' | 'store' | 'config'>,
    private readonly settings: () => BridgesSettings,
  ) {}

  /** A path in the range tree (`timer/events`) under the configured prefix. */
  rangeTopic(path: string): string {
    const prefix = this.ctx.config.rangePrefix;
    return prefix ? `${prefix}/${path}` : path;
  }

  /** True for topics inside the console's families' trees (the only ones it publishes into). */
  isFamilyTopic(topic: string): boolean {
    return familyOfTopic(topic, { rangePrefix: this.ctx.config.rangePrefix }) !== null;
  }

  ingest(topic: string, payload: Uint8Array, opts: SinkOptions): void {
    const republish = this.settings().republish && this.isFamilyTopic(topic);
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const retain = republish && opts.retain === true;
    this.ctx.pipeline.push({
      topic,
      payload: bytes,
      qos: 1,
      retain,
      receivedAt: opts.receivedAt,
      clientId: opts.clientId,
    });
    if (republish) {
      // The same bytes on the same topic: if they come back to us, they are a duplicate.
      this.ctx.publish(topic, Buffer.from(bytes), { qos: 1, retain }).then(
        () => this.republished++,
        (err: unknown) => (this.lastError = `republish ${topic}: ${(err as Error).message}`),
      );
    }
  }

  /** Stores a reject the bridge itself found, with its reason. */
  reject(
    topic: string,
    payload: Uint8Array,
    code: RejectCode,
    reason: string,
    receivedAt: number,
  ): RejectRow | null {
    try {
      const [outcome] = this.ctx.store.commit([{ type: 'reject', topic, payload, receivedAt, code, reason }]);
      const row = outcome?.reject ?? null;
      if (row) {
        this.ctx.pipeline.announce({
          rejects: [row],
          monitor: [
            {
              topic,
              received_at: toIso(receivedAt),
              preview: payloadPreview(payload, 2000),
              bytes: payload.length,
              retained: false,
              qos: 1,
              outcome: 'reject',
              reason: redactSecrets(reason),
            },
          ],
        });
      }
      return row;
    } catch (err) {
      this.lastError = `reject: ${(err as Error).message}`;
      return null;
    }
  }
}
