/**
 * Simulated devices for the command tests: one MQTT client each, with a retained offline status
 * as its last will, a retained online status, and command handling from the simulator
 * (src-main/simulator/devices/commandable.ts). Each can be dropped abruptly (the broker then
 * publishes its will) and brought back.
 */
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import {
  ackBody,
  ackTopicFor,
  parseIncomingCommand,
  type CommandReply,
  type CommandWire,
  type IncomingCommand,
} from '../../src-main/simulator/devices/commandable';

export type DeviceKind = 'cabinet' | 'gateway' | 'range-sensor';

export interface DeviceOptions {
  kind: DeviceKind;
  id: string;
  /** What the device answers; default: acknowledge everything. */
  decide?: (cmd: IncomingCommand) => CommandReply;
  username?: string;
  password?: string;
  rangePrefix?: string;
}

function wireOf(kind: DeviceKind): CommandWire {
  return kind === 'cabinet' ? 'whackamole' : kind === 'gateway' ? 'gateway' : 'range';
}

export function topicsOf(kind: DeviceKind, id: string, prefix = 'leadville') {
  switch (kind) {
    case 'cabinet':
      return { status: `whac/${id}/state`, command: `whac/${id}/commands` };
    case 'gateway':
      return { status: `devices/${id}/status`, command: `devices/${id}/commands` };
    case 'range-sensor':
      return { status: `${prefix}/sensor/${id}/status`, command: `${prefix}/sensor/${id}/command` };
  }
}

function statusBody(kind: DeviceKind, id: string, online: boolean): string {
  switch (kind) {
    case 'cabinet':
      return JSON.stringify({ device_id: id, ts: Date.now(), status: online ? 'online' : 'offline' });
    case 'gateway':
      return JSON.stringify({ online, uptime: 120 });
    case 'range-sensor':
      return JSON.stringify({
        sensor_id: id,
        connection: online ? 'connected' : 'disconnected',
        battery: 80,
      });
  }
}

export class SimDevice {
  client: MqttClient | null = null;
  readonly received: IncomingCommand[] = [];
  /** A cabinet's commands: the raw bytes, which it never answers. */
  readonly bytes: string[] = [];
  private generation = 0;

  constructor(
    private readonly url: string,
    readonly opts: DeviceOptions,
  ) {}

  /** Connects, subscribes to its commands, then says it is online (in that order). */
  async connect(): Promise<void> {
    const { kind, id } = this.opts;
    const t = topicsOf(kind, id, this.opts.rangePrefix);
    const gen = ++this.generation;
    const client = await mqtt.connectAsync(this.url, {
      clientId: `it-${id}-${gen}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
      ...(this.opts.username ? { username: this.opts.username, password: this.opts.password } : {}),
      will: { topic: t.status, payload: Buffer.from(statusBody(kind, id, false)), qos: 1, retain: true },
    });
    client.on('error', () => undefined);
    this.client = client;
    const wire = wireOf(kind);
    client.on('message', (topic, payload) => {
      if (topic !== t.command) return;
      if (kind === 'cabinet') {
        this.bytes.push(payload.toString('latin1'));
        return;
      }
      const cmd = parseIncomingCommand(wire, topic, payload.toString('utf8'));
      if (!cmd) return;
      this.received.push(cmd);
      const reply = (this.opts.decide ?? (() => ({ ok: true }) as const))(cmd);
      if (reply === null) return;
      const body = ackBody(wire, cmd.id, reply);
      if (body === null) return;
      void client.publishAsync(ackTopicFor(wire, topic), body, { qos: 1 }).catch(() => undefined);
    });
    await client.subscribeAsync(t.command, { qos: 1 });
    await client.publishAsync(t.status, statusBody(kind, id, true), { qos: 1, retain: true });
  }

  /** Publishes on any topic as this device (to try the ACL). Resolves 'acked' or 'closed'. */
  async publishAs(topic: string, payload: string): Promise<'acked' | 'closed'> {
    const c = this.client!;
    return Promise.race([
      c.publishAsync(topic, payload, { qos: 1 }).then(() => 'acked' as const),
      new Promise<'closed'>((res) => c.once('close', () => res('closed'))),
    ]);
  }

  /** Drops the connection without DISCONNECT: the broker publishes the last will. */
  drop(): void {
    const c = this.client;
    this.client = null;
    if (!c) return;
    (c.stream as Socket | undefined)?.destroy();
    c.end(true);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.endAsync(true).catch(() => undefined);
  }
}
