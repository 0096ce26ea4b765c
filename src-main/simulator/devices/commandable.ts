/**
 * Command handling for simulated devices: subscribe a device's channel to its command topic,
 * parse what the console sends in the family's wire format, let the device decide, and publish
 * the acknowledgement the family uses (domain.md §1, §6, §8):
 *
 * | wire         | command topic                                   | ack topic + body                                     |
 * |--------------|-------------------------------------------------|------------------------------------------------------|
 * | `range`      | `{prefix}/timer/command`, `{prefix}/sensor/{id}/command` | same + `/ack`, `{command_id, ok, error}` (Marshal's optional range ack) |
 * | `whackamole` | `whackamole/{id}/command`                       | `whackamole/{id}/ack`, `{command_id, ok, error}`     |
 * | `gateway`    | `devices/{id}/commands`                         | `devices/{id}/commands/ack`, `{id, success, message}`|
 *
 * A device's `decide` returns `{ok: true}`, `{ok: false, error}`, or `null` to stay silent (old
 * firmware that drops what it does not know: the console's command then times out).
 */
import type { Channel } from '../types';

export type CommandWire = 'range' | 'whackamole' | 'gateway';

export interface IncomingCommand {
  id: string;
  command: string;
  args: Record<string, unknown>;
  /** The whole body as received (range bridges also get `text` / `frames_hex`). */
  body: Record<string, unknown>;
  topic: string;
}

export type CommandReply = { ok: true } | { ok: false; error: string } | null;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The command in a body the console published, or null when it is not one. */
export function parseIncomingCommand(
  wire: CommandWire,
  topic: string,
  payload: string,
): IncomingCommand | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(body) || typeof body.command !== 'string') return null;
  const id = wire === 'gateway' ? body.id : body.command_id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const args = wire === 'gateway' ? body.params : body.args;
  return { id: String(id), command: body.command, args: isObject(args) ? args : {}, body, topic };
}

/** Where the acknowledgement of a command received on `commandTopic` goes. */
export function ackTopicFor(wire: CommandWire, commandTopic: string): string {
  if (wire === 'whackamole') return commandTopic.replace(/\/command$/, '/ack');
  return `${commandTopic}/ack`;
}

export function ackBody(wire: CommandWire, id: string, reply: { ok: boolean; error?: string }): string {
  if (wire === 'gateway') {
    return JSON.stringify({ id, success: reply.ok, message: reply.ok ? 'ok' : (reply.error ?? 'failed') });
  }
  return JSON.stringify({ command_id: id, ok: reply.ok, error: reply.ok ? null : (reply.error ?? 'failed') });
}

export interface CommandHandlerOptions {
  wire: CommandWire;
  /** The exact command topic to listen on. */
  topic: string;
  decide(cmd: IncomingCommand): CommandReply;
  /** Called for every command received, whatever the reply (counters, logs). */
  onCommand?(cmd: IncomingCommand, reply: CommandReply): void;
}

/**
 * Makes a device answer its commands. Returns false when the channel cannot receive (the
 * in-memory recorder), so callers can note that nothing will be answered.
 */
export function handleCommands(channel: Channel, opts: CommandHandlerOptions): boolean {
  if (!channel.subscribe) return false;
  channel.subscribe(opts.topic, (topic, payload) => {
    const cmd = parseIncomingCommand(opts.wire, topic, payload);
    if (!cmd) return;
    const reply = opts.decide(cmd);
    opts.onCommand?.(cmd, reply);
    if (reply === null) return;
    channel.publish(ackTopicFor(opts.wire, topic), ackBody(opts.wire, cmd.id, reply), { qos: 1 }, 'other');
  });
  return true;
}
