/**
 * Topic and payload encoders per target, plus the device-level encodings a serial or BLE bridge
 * writes to a directly connected device (AMG Commander ASCII lines, BT50 register frames).
 *
 * Wire formats (domain.md):
 * - range timer: `{prefix}/timer/command` `{command_id, command, args, device_id, text, issued_at}`
 *   (`text` is the AMG command line the bridge writes to the timer);
 * - range sensor: `{prefix}/sensor/{id}/command` `{command_id, command, args, sensor_id,
 *   frames_hex, issued_at}` (`frames_hex`: BT50 register writes, when the command has any);
 * - cabinet: `whackamole/{id}/command` `{command_id, command, args, issued_at}`;
 * - gateway: `devices/{id}/commands` `{id, command, params, issued_at}`.
 *
 * Acknowledgements: cabinets `whackamole/{id}/ack`, gateways `devices/{id}/commands/ack`. Range
 * bridges have no ack topic in the field; Marshal accepts an optional `{prefix}/timer/command/ack`
 * and `{prefix}/sensor/{id}/command/ack` carrying `{command_id, ok, error}` — a bridge that never
 * sends one leaves its commands `sent` until they time out.
 */
import { toIso } from '../events/time';
import { isValidDeviceId } from '../ids';
import { gatewayCommandTopic } from '../ingest/gateway';
import { buildWhackamoleCommand, whackamoleTopic } from '../ingest/whackamole';
import { BT50_RATE_CODES, type CommandTarget } from './catalogue';

export interface EncodeInput {
  target: CommandTarget;
  deviceId: string;
  commandId: string;
  command: string;
  /** Already validated against the catalogue. */
  args: Record<string, unknown>;
  /** Epoch ms. */
  issuedAt: number;
  /** Range bridges' topic prefix ('' for the bare tree). */
  rangePrefix: string;
}

export interface EncodedCommand {
  topic: string;
  payload: string;
}

function rangeTopic(prefix: string, suffix: string): string {
  return prefix ? `${prefix}/${suffix}` : suffix;
}

function checkId(id: string, what: string): void {
  if (!isValidDeviceId(id)) throw new Error(`${what} is not a valid id (allowed: [A-Za-z0-9._:-]{1,64})`);
}

const pad = (n: unknown, width: number) => String(n).padStart(width, '0');

/** The AMG Commander ASCII command for a timer command (domain.md §2), or null if it has none. */
export function amgCommandText(command: string, args: Record<string, unknown>): string | null {
  switch (command) {
    case 'remote_start':
      return 'COM START';
    case 'remote_stop':
      return 'COM STOP';
    case 'set_sensitivity':
      return `SET SENSITIVITY ${pad(args.level, 2)}`;
    case 'set_echo_delay':
      return `SET ECHO DELAY ${pad(args.delay_cs, 3)}`;
    case 'set_par_time':
      return `SET PAR TIME ${String(args.par)} ${String(args.time_cs)}`;
    case 'set_beep_volume':
      return `SET BEEP VOLUME ${String(args.volume)}`;
    case 'request_string':
      return 'REQ STRING HEX';
    case 'request_settings':
      return 'REQ SETTINGS';
    default:
      return null;
  }
}

const UNLOCK = [0xff, 0xaa, 0x69, 0x88, 0xb5];
const SAVE = [0xff, 0xaa, 0x00, 0x00, 0x00];

/**
 * BT50 register writes for a sensor command (domain.md §3), in order, or null when the command is
 * the bridge's own (recalibrate: the detector's baseline lives in the bridge, not the sensor).
 */
export function bt50CommandFrames(command: string, args: Record<string, unknown>): Uint8Array[] | null {
  switch (command) {
    case 'set_rate': {
      const code = BT50_RATE_CODES[Number(args.rate_hz)];
      if (code === undefined) throw new Error(`no BT50 rate code for ${String(args.rate_hz)} Hz`);
      return [UNLOCK, [0xff, 0xaa, 0x03, code, 0x00], SAVE].map((f) => Uint8Array.from(f));
    }
    case 'read_battery':
      return [Uint8Array.from([0xff, 0xaa, 0x27, 0x64, 0x00])];
    default:
      return null;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The topic and JSON body a command goes out as. Throws on an id that cannot be a topic level. */
export function encodeCommand(input: EncodeInput): EncodedCommand {
  const { target, deviceId, commandId, command, args, issuedAt, rangePrefix } = input;
  checkId(deviceId, 'device id');
  checkId(commandId, 'command id');
  const issued_at = toIso(issuedAt);
  switch (target) {
    case 'timer': {
      const body: Record<string, unknown> = { command_id: commandId, command, args, device_id: deviceId };
      const text = amgCommandText(command, args);
      if (text) body.text = text;
      body.issued_at = issued_at;
      return { topic: rangeTopic(rangePrefix, 'timer/command'), payload: JSON.stringify(body) };
    }
    case 'sensor': {
      const body: Record<string, unknown> = { command_id: commandId, command, args, sensor_id: deviceId };
      const frames = bt50CommandFrames(command, args);
      if (frames) body.frames_hex = frames.map(toHex);
      body.issued_at = issued_at;
      return {
        topic: rangeTopic(rangePrefix, `sensor/${deviceId}/command`),
        payload: JSON.stringify(body),
      };
    }
    case 'cabinet': {
      const body = buildWhackamoleCommand({ command_id: commandId, command, args, issued_at: issuedAt });
      return { topic: whackamoleTopic(deviceId, 'command'), payload: JSON.stringify(body) };
    }
    case 'gateway': {
      const body = { id: commandId, command, params: args, issued_at };
      return { topic: gatewayCommandTopic(deviceId), payload: JSON.stringify(body) };
    }
  }
}

/**
 * Topics an acknowledgement for this device's commands may arrive on. Range topics are accepted
 * with the prefix and in the bare tree, as ingest accepts them.
 */
export function ackTopicsFor(target: CommandTarget, deviceId: string, rangePrefix: string): string[] {
  switch (target) {
    case 'timer':
      return [...new Set([rangeTopic(rangePrefix, 'timer/command/ack'), 'timer/command/ack'])];
    case 'sensor': {
      const suffix = `sensor/${deviceId}/command/ack`;
      return [...new Set([rangeTopic(rangePrefix, suffix), suffix])];
    }
    case 'cabinet':
      return [`whackamole/${deviceId}/ack`];
    case 'gateway':
      return [`devices/${deviceId}/commands/ack`];
  }
}
