/**
 * The command service: validates a command against its device's catalogue, keeps it (SQLite),
 * delivers it when the device is reachable, and follows it to an end.
 *
 *   queued ──(device reachable)──▶ sent ──(ack ok)──▶ acknowledged
 *     │                             ├──(ack not ok)──▶ failed
 *     │                             ├──(broker took it, device never answers)──▶ delivered
 *     │                             └──(no ack within timeout)──▶ timed_out ──(late ack)──▶ acknowledged / failed
 *     └──(not delivered before expiry)──▶ expired          (a queued command can also be cancelled → failed)
 *
 * Reachable: a serial/BLE bridge says it can send to the device, or the registry shows it online
 * (status / last will / silence), or — in LAN mode — an MQTT client holding its credential is
 * connected. A command for an offline device waits in the queue and goes out when the device
 * shows a sign of life (any committed message of its own), until it expires.
 */
import { randomUUID } from 'node:crypto';
import type { CommandTarget } from '../../src-shared/commands';
import {
  ackTopicsFor,
  answersCommand,
  answersFor,
  checkCommand,
  encodeCommand,
  targetFor,
} from '../../src-shared/families';
import { ContractError } from '../../src-shared/contract';
import type { CommandRecord, CommandSettings, CommandState } from '../../src-shared/contract/devices';
import type { MarshalEvent } from '../../src-shared/events/model';
import type { DeviceRegistry } from '../services/devices';
import type { BridgesService, CommandsService, SendInput } from '../core/services';
import { toRecord, type Cmd, type CommandStore } from './store';

export interface CommandServiceDeps {
  store: CommandStore;
  devices: DeviceRegistry;
  rangePrefix: string;
  publish(
    topic: string,
    payload: string | Uint8Array,
    opts: { qos: 0 | 1 | 2; retain?: boolean },
  ): Promise<void>;
  bridges(): BridgesService | undefined;
  /** Usernames of connected MQTT clients (LAN mode: a device's credential is its id). */
  connectedUsers(): Set<string>;
  /** Changed commands, once per tick. */
  emit(records: CommandRecord[]): void;
  now?: () => number;
}

const MAX_LIST = 1000;

export class CommandService implements CommandsService {
  /** Queued and sent commands. */
  private readonly open = new Map<string, Cmd>();
  private readonly changed = new Map<string, Cmd>();
  private cachedSettings: CommandSettings;
  private readonly now: () => number;

  constructor(private readonly deps: CommandServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.cachedSettings = deps.store.settings();
    for (const c of deps.store.open()) this.open.set(c.id, c);
  }

  // --- the service ---------------------------------------------------------------------------

  send(input: SendInput): CommandRecord {
    const device = this.resolveDevice(input.device_id, input.family);
    const check = checkCommand(device.target, input.command, input.args ?? {});
    if (!check.ok) throw new ContractError(check.reason, 400);
    const now = this.now();
    const s = this.cachedSettings;
    const cmd: Cmd = {
      id: randomUUID(),
      device_id: input.device_id,
      family: device.family,
      target: device.target,
      command: input.command,
      args: check.args,
      state: 'queued',
      who: input.who.slice(0, 128) || 'unknown',
      created_at: now,
      sent_at: null,
      acked_at: null,
      finished_at: null,
      expires_at: now + (input.ttl_ms ?? s.expiry_ms),
      timeout_ms: input.timeout_ms ?? s.ack_timeout_ms,
      error: null,
      via: null,
      topic: null,
      attempts: 0,
    };
    this.deps.store.insert(cmd);
    this.open.set(cmd.id, cmd);
    this.touch(cmd);
    if (this.reachable(cmd, now)) this.deliver(cmd, now);
    return toRecord(cmd);
  }

  get(id: string): CommandRecord | null {
    const c = this.open.get(id) ?? this.deps.store.get(id);
    return c ? toRecord(c) : null;
  }

  list(q: Parameters<CommandsService['list']>[0] = {}): CommandRecord[] {
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_LIST);
    return this.deps.store.list({ ...q, limit }).map((c) => toRecord(this.open.get(c.id) ?? c));
  }

  cancel(id: string, who: string): CommandRecord {
    const c = this.open.get(id) ?? this.deps.store.get(id);
    if (!c) throw new ContractError(`unknown command ${JSON.stringify(id.slice(0, 64))}`, 404);
    if (c.state !== 'queued') {
      throw new ContractError(`only a queued command can be cancelled; this one is ${c.state}`, 400);
    }
    this.finish(c, 'failed', this.now(), `cancelled by ${who}`);
    return toRecord(c);
  }

  settings(): CommandSettings {
    return { ...this.cachedSettings };
  }

  updateSettings(patch: Partial<CommandSettings>): CommandSettings {
    const next = { ...this.cachedSettings };
    if (patch.ack_timeout_ms !== undefined) next.ack_timeout_ms = patch.ack_timeout_ms;
    if (patch.expiry_ms !== undefined) next.expiry_ms = patch.expiry_ms;
    this.deps.store.saveSettings(next);
    this.cachedSettings = next;
    return { ...next };
  }

  // --- driven by the module ------------------------------------------------------------------

  /** Expiries, timeouts and deliveries due now; then the changed commands go to the views. */
  tick(now = this.now()): void {
    for (const c of [...this.open.values()]) {
      if (c.state === 'queued') {
        if (now >= c.expires_at) this.finish(c, 'expired', now, 'not delivered before it expired');
        else if (this.reachable(c, now)) this.deliver(c, now);
      } else if (c.state === 'sent' && c.sent_at !== null && now - c.sent_at >= c.timeout_ms) {
        this.finish(c, 'timed_out', now, `no acknowledgement within ${formatMs(c.timeout_ms)}`);
      }
    }
    this.flush();
  }

  /** A committed batch: acknowledgements, and signs of life of devices with queued commands. */
  onBatch(events: readonly MarshalEvent[], users: Iterable<string> = []): void {
    let alive: Set<string> | null = null;
    for (const e of events) {
      if (e.kind === 'command.ack') this.onAck(e);
      else this.onAnswer(e);
      if (e.kind === 'device.status' && e.data.online === false) continue;
      (alive ??= new Set()).add(e.device_id);
    }
    for (const u of users) (alive ??= new Set()).add(u);
    if (!alive) return;
    const now = this.now();
    for (const c of this.open.values()) {
      if (c.state === 'queued' && alive.has(c.device_id) && now < c.expires_at && this.reachable(c, now)) {
        this.deliver(c, now);
      }
    }
  }

  /** Sends what changed since the last flush (one push per tick). */
  flush(): void {
    if (this.changed.size === 0) return;
    const records = [...this.changed.values()].map(toRecord);
    this.changed.clear();
    this.deps.emit(records);
  }

  pending(): number {
    return this.open.size;
  }

  // --- internals -----------------------------------------------------------------------------

  private resolveDevice(deviceId: string, family?: string): { family: string; target: CommandTarget } {
    let found = this.deps.devices.find(deviceId);
    if (family !== undefined) found = found.filter((d) => d.family === family);
    if (found.length === 0) {
      throw new ContractError(
        `unknown device ${JSON.stringify(deviceId)}${family ? ` in family ${JSON.stringify(family)}` : ''}`,
        404,
      );
    }
    // One id may be used by several families (a range `timer` and a cabinet called `timer`).
    const commandable = found.filter((d) => targetFor(d.family, d.kind) !== null);
    if (commandable.length === 0) {
      const d = found[0]!;
      throw new ContractError(
        `a ${d.family}${d.kind ? ` ${d.kind}` : ''} takes no commands (device ${JSON.stringify(deviceId)})`,
        400,
      );
    }
    if (commandable.length > 1) {
      throw new ContractError(
        `device id ${JSON.stringify(deviceId)} is used by several families (${commandable
          .map((d) => d.family)
          .join(', ')}): give family`,
        400,
      );
    }
    const d = commandable[0]!;
    return { family: d.family, target: targetFor(d.family, d.kind)! };
  }

  private reachable(c: Cmd, now: number): boolean {
    if (this.deps.bridges()?.canSend(c.device_id)) return true;
    const row = this.deps.devices.find(c.device_id, now).find((d) => d.family === c.family);
    if (row?.online) return true;
    return this.deps.connectedUsers().has(c.device_id);
  }

  private deliver(c: Cmd, now: number): void {
    if (c.state !== 'queued') return;
    c.attempts++;
    const bridges = this.deps.bridges();
    if (bridges?.canSend(c.device_id)) {
      this.markSent(c, now, 'bridge', null);
      bridges.send(c.device_id, c.command, c.args, { command_id: c.id }).then(
        (result) => {
          // The driver confirmed it (a reply, a read-back): acknowledged. Otherwise the device may
          // still acknowledge on its family's ack topic; if not, the command times out.
          const unconfirmed = (result as { acknowledged?: unknown } | undefined)?.acknowledged === false;
          if (!unconfirmed) this.acknowledge(c, true, null, this.now());
        },
        (err: unknown) => this.acknowledge(c, false, `bridge: ${errorText(err)}`, this.now()),
      );
      return;
    }
    let encoded;
    try {
      encoded = encodeCommand({
        target: c.target,
        deviceId: c.device_id,
        commandId: c.id,
        command: c.command,
        args: c.args,
        issuedAt: now,
        rangePrefix: this.deps.rangePrefix,
      });
    } catch (err) {
      this.finish(c, 'failed', now, `cannot encode: ${errorText(err)}`);
      return;
    }
    this.markSent(c, now, 'mqtt', encoded.topic);
    const silent = !answersFor(c.target);
    this.deps.publish(encoded.topic, encoded.payload, { qos: encoded.qos ?? 1 }).then(
      () => {
        // Nothing will ever answer: the broker taking it is as far as the console can know.
        if (silent && c.state === 'sent') this.finish(c, 'delivered', this.now(), null);
      },
      (err: unknown) => {
        // The broker did not take it: back to the queue, to be tried again until it expires.
        if (c.state !== 'sent' || c.acked_at !== null) return;
        c.state = 'queued';
        c.sent_at = null;
        c.error = `publish failed: ${errorText(err)}`;
        this.open.set(c.id, c);
        this.save(c);
      },
    );
  }

  private markSent(c: Cmd, now: number, via: 'mqtt' | 'bridge', topic: string | null): void {
    c.state = 'sent';
    c.sent_at = now;
    c.via = via;
    c.topic = topic;
    c.error = null;
    this.save(c);
  }

  private onAck(e: MarshalEvent): void {
    const id = e.data.command_id;
    if (typeof id !== 'string') return;
    const c = this.open.get(id) ?? this.deps.store.get(id);
    if (!c) return;
    const fromBridge = c.via === 'bridge' && e.device_id === c.device_id;
    if (!fromBridge && !ackTopicsFor(c.target, c.device_id, this.deps.rangePrefix).includes(e.topic)) return;
    const ok = e.data.ok === true;
    const reason =
      typeof e.data.error === 'string' && e.data.error
        ? e.data.error
        : typeof e.data.message === 'string' && e.data.message
          ? e.data.message
          : 'the device reported a failure';
    this.acknowledge(c, ok, ok ? null : reason, Date.parse(e.received_at) || this.now());
  }

  /**
   * A device without acks answers with what it reports next: the oldest open command of that device
   * the event answers is acknowledged (one report answers one command).
   */
  private onAnswer(e: MarshalEvent): void {
    for (const c of this.open.values()) {
      if (c.device_id !== e.device_id || (c.state !== 'sent' && c.state !== 'timed_out')) continue;
      if (!answersCommand(c.target, e, c)) continue;
      this.acknowledge(c, true, null, Date.parse(e.received_at) || this.now());
      return;
    }
  }

  private acknowledge(c: Cmd, ok: boolean, error: string | null, at: number): void {
    // A late answer still tells what happened; a final state does not change again.
    if (c.state !== 'sent' && c.state !== 'timed_out' && c.state !== 'queued') return;
    c.acked_at = at;
    this.finish(c, ok ? 'acknowledged' : 'failed', at, error);
  }

  private finish(c: Cmd, state: CommandState, at: number, error: string | null): void {
    c.state = state;
    c.finished_at = at;
    c.error = error;
    this.open.delete(c.id);
    this.save(c);
  }

  private save(c: Cmd): void {
    this.deps.store.update(c);
    this.touch(c);
  }

  private touch(c: Cmd): void {
    this.changed.set(c.id, c);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
