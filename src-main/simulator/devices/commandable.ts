/**
 * Command handling for simulated devices: subscribe a device's channel to its command topic,
 * parse what the console sends in the family's wire format, let the device decide, and publish
 * the acknowledgement the family uses (domain.md §1, §6, §8):
 *
 * | wire         | command topic                                   | ack topic + body                                     |
 * |--------------|-------------------------------------------------|------------------------------------------------------|
 * | `range`      | `{prefix}/timer/command`, `{prefix}/sensor/{id}/command` | same + `/ack`, `{command_id, ok, error}` (Marshal's optional range ack) |
 * | `whackamole` | `whackamole/{id}/command`                       | `whackamole/{id}/ack`, `{command_id, ok, error}`     |
 * | `gateway`    | `devices/{id}/commands` `{room, actuator, state}` | `devices/{id}/actuator_states` `{room, actuator, state}` (the M.A.S.H. gateway has no ack: a refusal is silence) |
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
  if (wire === 'gateway') return gatewayCommand(body, topic);
  if (!isObject(body) || typeof body.command !== 'string') return null;
  const id = body.command_id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const args = body.args;
  return { id: String(id), command: body.command, args: isObject(args) ? args : {}, body, topic };
}

/** The gateway's two shapes; its commands carry no id, so the id is what the command asks for. */
function gatewayCommand(body: unknown, topic: string): IncomingCommand | null {
  if (!isObject(body)) return null;
  if (body.command_type === 'set_auto_mode')
    return {
      id: 'auto_mode',
      command: 'set_auto_mode',
      args: { enabled: body.enabled === true },
      body,
      topic,
    };
  if (typeof body.actuator !== 'string' || typeof body.state !== 'string') return null;
  const room = typeof body.room === 'string' ? body.room.toLowerCase() : 'fruiting';
  const actuator = body.actuator.toLowerCase();
  const state = body.state.toLowerCase();
  return {
    id: `${room}/${actuator}/${state}`,
    command: 'set_actuator',
    args: { room, actuator, state },
    body,
    topic,
  };
}

/** Where the acknowledgement of a command received on `commandTopic` goes. */
export function ackTopicFor(wire: CommandWire, commandTopic: string): string {
  if (wire === 'whackamole') return commandTopic.replace(/\/command$/, '/ack');
  if (wire === 'gateway') return commandTopic.replace(/\/commands$/, '/actuator_states');
  return `${commandTopic}/ack`;
}

/** The answer's body; null when the family sends none (a gateway refusing, or its auto mode). */
export function ackBody(
  wire: CommandWire,
  id: string,
  reply: { ok: boolean; error?: string },
): string | null {
  if (wire === 'gateway') {
    const [room, actuator, state] = id.split('/');
    if (!reply.ok || !actuator || !state) return null;
    // It reports the room its relay map resolves: every actuator but the exhaust fan is in fruiting.
    return JSON.stringify({
      room: actuator === 'exhaust_fan' ? room : 'fruiting',
      actuator,
      state,
      timestamp: Date.now() / 1000,
    });
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
    const body = ackBody(opts.wire, cmd.id, reply);
    if (body !== null) channel.publish(ackTopicFor(opts.wire, topic), body, { qos: 1 }, 'other');
  });
  return true;
}
