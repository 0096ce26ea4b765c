/**
 * The device-level encodings a serial or BLE bridge (or a range bridge) writes to a directly
 * connected device: AMG Commander ASCII lines, BT50 register frames. Each family's descriptor
 * (src-shared/families) puts commands on its own topics with these.
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
import { isValidDeviceId } from '../ids';
import { BT50_RATE_CODES } from '../decoders/bt50';

export function rangeTopic(prefix: string, suffix: string): string {
  return prefix ? `${prefix}/${suffix}` : suffix;
}

export function checkId(id: string, what: string): void {
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
