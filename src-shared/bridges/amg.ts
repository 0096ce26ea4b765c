/**
 * AMG Lab Commander driver (domain.md §2): Nordic UART notifications → `timer/events` with the
 * 14-byte frame as `raw_hex`; string dumps and text replies answer the commands that ask for
 * them; battery from the standard Battery service; ASCII commands ~100 ms apart, settings only
 * while the timer is stopped.
 */
import {
  AMG_COMMAND_GAP_MS,
  AMG_EVENT_FRAME,
  AMG_NAME_PREFIXES,
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
  COM_START,
  COM_STOP,
  REQ_SCREEN_HEX,
  REQ_SETTINGS,
  REQ_STRING_HEX,
  amgCommand,
  assembleAmgStrings,
  bytesToHex,
  decodeAmgPacket,
  setBeepVolume,
  setDelay,
  setEchoDelay,
  setParTime,
  setParType,
  setPreset,
  setSensitivity,
  type AmgStringDump,
} from '../decoders/amg';
import {
  CommandPacer,
  DriverCommandError,
  addressSuffix,
  advertisesService,
  canonicalName,
  intArg,
  type CommandResult,
  type DriverHost,
  type DriverInfo,
  type DriverSession,
  type TimerDriver,
} from './driver';
import { TIMER_COMMANDS, type CommandDef } from '../commands/catalogue';
import { toIso } from '../events/time';
import { BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID, type GattConnection } from './gatt';
import { TimerEvents, statusPayload } from './timer';

export const AMG_DRIVER_ID = 'amg-commander';

/** Replies (string dumps, screen, settings text) end when the timer has been quiet this long. */
const REPLY_QUIET_MS = 300;
const REPLY_TIMEOUT_MS = 3000;
const MAX_TEXT_REPLY = 4096;

/**
 * What the driver takes: the timer catalogue's commands (the same names and arguments the panel
 * sends through a range bridge), and what only a directly connected timer can do.
 */
export const AMG_COMMANDS: readonly CommandDef[] = [
  ...TIMER_COMMANDS,
  {
    name: 'set_preset',
    label: 'Set preset',
    description: 'Selects a stored preset, 1–5. Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [{ key: 'preset', label: 'Preset', kind: 'int', min: 1, max: 5, default: 1 }],
  },
  {
    name: 'set_delay',
    label: 'Set start delay',
    description: 'Start delay: type 0–9, fixed and random parts. Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [
      { key: 'type', label: 'Type', kind: 'int', min: 0, max: 9, default: 0 },
      { key: 'fixed', label: 'Fixed', kind: 'int', min: 0, max: 65_535, default: 0 },
      { key: 'random', label: 'Random', kind: 'int', min: 0, max: 65_535, default: 0 },
    ],
  },
  {
    name: 'set_par_type',
    label: 'Set par type',
    description: 'Par type 0–9. Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [{ key: 'type', label: 'Type', kind: 'int', min: 0, max: 9, default: 0 }],
  },
  {
    name: 'request_screen',
    label: 'Request screen',
    description: 'Asks the timer for what its screen shows (REQ SCREEN HEX).',
    disruptive: false,
    fields: [],
  },
  {
    name: 'read_battery',
    label: 'Read battery',
    description: 'Reads the battery level over GATT.',
    disruptive: false,
    fields: [],
  },
];
const ALIASES: Record<string, string> = {
  start: 'remote_start',
  com_start: 'remote_start',
  com_stop: 'remote_stop',
  stop: 'remote_stop',
  req_string_hex: 'request_string',
  req_string: 'request_string',
  req_screen_hex: 'request_screen',
  req_screen: 'request_screen',
  req_settings: 'request_settings',
  sensitivity: 'set_sensitivity',
  echo_delay: 'set_echo_delay',
  beep_volume: 'set_beep_volume',
  preset: 'set_preset',
  delay: 'set_delay',
  par_type: 'set_par_type',
  par_time: 'set_par_time',
  battery: 'read_battery',
};

/** `COM START`, `Remote-Start`, `request string` → the canonical command name. */
export function canonicalCommand(name: string): string {
  return canonicalName(name, ALIASES);
}

/**
 * The ASCII text an AMG command is written as (domain.md §2). Throws DriverCommandError for an
 * unknown command or bad arguments. Read-battery is a GATT read, not text: it returns null.
 */
export function encodeAmgCommand(name: string, args: Record<string, unknown> = {}): string | null {
  const cmd = canonicalCommand(name);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof DriverCommandError) throw err;
      throw new DriverCommandError('invalid_args', (err as Error).message);
    }
  };
  switch (cmd) {
    case 'remote_start':
      return COM_START;
    case 'remote_stop':
      return COM_STOP;
    case 'request_string':
      return REQ_STRING_HEX;
    case 'request_screen':
      return REQ_SCREEN_HEX;
    case 'request_settings':
      return REQ_SETTINGS;
    case 'read_battery':
      return null;
    case 'set_sensitivity':
      return wrap(() => setSensitivity(intArg(args, ['level', 'value', 'sensitivity'], 1, 10, 'level')));
    case 'set_echo_delay':
      return wrap(() =>
        setEchoDelay(intArg(args, ['delay_cs', 'cs', 'value', 'echo_delay'], 5, 100, 'delay_cs')),
      );
    case 'set_beep_volume':
      return wrap(() => setBeepVolume(intArg(args, ['volume', 'value'], 0, 3, 'volume')));
    case 'set_preset':
      return wrap(() => setPreset(intArg(args, ['preset', 'value'], 1, 5, 'preset')));
    case 'set_delay':
      return wrap(() =>
        setDelay(
          intArg(args, ['type', 'delay_type'], 0, 9, 'type'),
          intArg(args, ['fixed'], 0, 0xffff, 'fixed'),
          intArg(args, ['random'], 0, 0xffff, 'random'),
        ),
      );
    case 'set_par_type':
      return wrap(() => setParType(intArg(args, ['type', 'value', 'par_type'], 0, 9, 'type')));
    case 'set_par_time':
      return wrap(() =>
        setParTime(
          intArg(args, ['par', 'n', 'number'], 1, 99, 'par'),
          intArg(args, ['time_cs', 'time', 't'], 1, 0xffff, 'time_cs'),
        ),
      );
    default:
      throw new DriverCommandError(
        'unknown_command',
        `unknown AMG command "${name.slice(0, 40)}"; known: ${AMG_COMMANDS.map((c) => c.name).join(', ')}`,
      );
  }
}

function isSettings(cmd: string): boolean {
  return AMG_COMMANDS.some((c) => c.settings === true && c.name === cmd);
}

function printable(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (const b of bytes)
    if (!((b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d || b === 0x09)) return false;
  return true;
}

type ReplyKind = 'dump' | 'text' | 'screen';

class AmgSession implements DriverSession {
  private conn: GattConnection | null = null;
  private readonly events: TimerEvents;
  private readonly pacer: CommandPacer;
  private battery: number | null = null;
  private notifications = 0;
  private badFrames = 0;
  private lastNotificationAt: number | null = null;
  private dumps: AmgStringDump[] = [];
  private lastStrings: number[][] = [];
  private text = '';
  private lastText: string | null = null;
  private screen: string[] = [];
  private quietTimer: unknown = null;
  private pending: { kind: ReplyKind; resolve: (reply: Record<string, unknown>) => void } | null = null;
  private stopped = false;

  constructor(
    private readonly deviceId: string,
    private readonly address: string,
    private readonly host: DriverHost,
    private rssi: number | null,
  ) {
    this.events = new TimerEvents(host, deviceId);
    this.pacer = new CommandPacer(host.clock, AMG_COMMAND_GAP_MS);
  }

  private status(at: number, connection: 'connected' | 'disconnected', reason?: string): void {
    this.host.emit({
      path: 'timer/status',
      retain: true,
      at,
      payload: statusPayload('timer_id', this.deviceId, AMG_DRIVER_ID, this.address, at, {
        connection,
        battery: this.battery,
        rssi: this.rssi,
        running: this.events.running,
        reason,
      }),
    });
  }

  private async readBattery(): Promise<number | null> {
    if (!this.conn) return null;
    try {
      const v = await this.conn.read(BATTERY_SERVICE_UUID, BATTERY_LEVEL_UUID);
      if (v.length >= 1 && v[0]! <= 100) this.battery = v[0]!;
    } catch {
      // Not every firmware exposes the Battery service; the timer still works.
    }
    return this.battery;
  }

  async start(conn: GattConnection): Promise<void> {
    this.conn = conn;
    await conn.subscribe(AMG_SERVICE_UUID, AMG_NOTIFY_CHARACTERISTIC_UUID, (value, at) =>
      this.onNotification(value, at),
    );
    await this.readBattery();
    this.status(this.host.clock.now(), 'connected');
  }

  async poll(): Promise<void> {
    if (!this.conn || this.stopped) return;
    await this.readBattery();
    this.status(this.host.clock.now(), 'connected');
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.conn = null;
    if (this.quietTimer !== null) this.host.clock.clearTimeout(this.quietTimer);
    this.pending = null;
    this.status(this.host.clock.now(), 'disconnected', reason);
  }

  info(): DriverInfo {
    return {
      battery: this.battery,
      notifications: this.notifications,
      bad_frames: this.badFrames,
      last_notification_at: this.lastNotificationAt,
      extra: {
        running: this.events.running,
        last_strings_ms: this.lastStrings,
        ...(this.lastText !== null ? { last_text: this.lastText } : {}),
      },
    };
  }

  /** Feeds one notification (exposed for the driver's tests through the connection). */
  onNotification(value: Uint8Array, at: number): void {
    this.notifications++;
    this.lastNotificationAt = at;
    if (this.pending?.kind === 'screen') {
      this.screen.push(bytesToHex(value));
      this.armQuiet();
      return;
    }
    if (this.pending?.kind === 'text' && printable(value)) {
      this.text = (this.text + new TextDecoder().decode(value)).slice(-MAX_TEXT_REPLY);
      this.armQuiet();
      return;
    }
    const packet = decodeAmgPacket(value);
    if (packet?.type === 'frame') {
      const raw_hex = bytesToHex(value);
      if (packet.kind === 'start') this.events.start(at, packet.stringNumber, { raw_hex });
      else if (packet.kind === 'shot') this.events.shot(at, packet.stringNumber, packet.timeMs, { raw_hex });
      else this.events.stop(at, packet.stringNumber, { raw_hex });
      return;
    }
    if (packet?.type === 'dump') {
      this.dumps.push(packet);
      this.armQuiet();
      return;
    }
    if (value[0] === AMG_EVENT_FRAME) {
      // Looks like an event frame but is not one (wrong length, unknown kind): hand it to ingest,
      // which keeps it as a reject with the reason, visible in the Monitor.
      this.badFrames++;
      this.host.emit({
        path: 'timer/events',
        at,
        payload: {
          event_type: 'SHOT',
          raw_hex: bytesToHex(value),
          timestamp: toIso(at),
          timer_id: this.deviceId,
        },
      });
      return;
    }
    if (printable(value)) {
      this.text = (this.text + new TextDecoder().decode(value)).slice(-MAX_TEXT_REPLY);
      this.armQuiet();
      return;
    }
    this.badFrames++;
  }

  private armQuiet(): void {
    if (this.quietTimer !== null) this.host.clock.clearTimeout(this.quietTimer);
    this.quietTimer = this.host.clock.setTimeout(() => this.flushReplies(), REPLY_QUIET_MS);
  }

  private flushReplies(): void {
    this.quietTimer = null;
    const pending = this.pending;
    if (this.dumps.length) {
      this.lastStrings = assembleAmgStrings(this.dumps).map((s) => s.map((cs) => cs * 10));
      this.dumps = [];
      if (pending?.kind === 'dump') {
        this.pending = null;
        pending.resolve({ strings_ms: this.lastStrings });
      }
    }
    if (this.text) {
      this.lastText = this.text;
      this.text = '';
      if (pending?.kind === 'text') {
        this.pending = null;
        pending.resolve({ text: this.lastText });
      }
    }
    if (this.screen.length && pending?.kind === 'screen') {
      this.pending = null;
      pending.resolve({ hex: this.screen.join('') });
      this.screen = [];
    }
  }

  private awaitReply(kind: ReplyKind): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = this.host.clock.setTimeout(() => {
        if (this.pending?.resolve === done) this.pending = null;
        reject(new DriverCommandError('timeout', `the timer sent no reply within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      const done = (reply: Record<string, unknown>) => {
        this.host.clock.clearTimeout(timer);
        resolve(reply);
      };
      this.pending = { kind, resolve: done };
    });
  }

  async command(name: string, args: Record<string, unknown>): Promise<CommandResult> {
    const cmd = canonicalCommand(name);
    const text = encodeAmgCommand(cmd, args);
    if (this.stopped || !this.conn)
      throw new DriverCommandError('not_connected', 'the timer is not connected');
    if (isSettings(cmd) && this.events.running) {
      throw new DriverCommandError('not_now', 'settings are accepted only while the timer is stopped');
    }
    if (text === null) {
      const battery = await this.readBattery();
      if (battery === null) throw new DriverCommandError('failed', 'the timer did not report its battery');
      this.status(this.host.clock.now(), 'connected');
      return { acknowledged: true, sent: [], reply: { battery } };
    }
    const conn = this.conn;
    const replyKind: ReplyKind | null =
      cmd === 'request_string'
        ? 'dump'
        : cmd === 'request_settings'
          ? 'text'
          : cmd === 'request_screen'
            ? 'screen'
            : null;
    return this.pacer.run(async () => {
      if (this.pending && replyKind)
        throw new DriverCommandError('not_now', 'another request is waiting for its reply');
      const reply = replyKind ? this.awaitReply(replyKind) : null;
      // An unhandled rejection must not escape if the write itself fails first.
      reply?.catch(() => undefined);
      try {
        await conn.write(AMG_SERVICE_UUID, AMG_WRITE_CHARACTERISTIC_UUID, amgCommand(text), 'request');
      } catch (err) {
        this.pending = null;
        throw new DriverCommandError('failed', `write failed: ${(err as Error).message}`);
      }
      return { acknowledged: true, sent: [text], ...(reply ? { reply: await reply } : {}) };
    });
  }
}

export const amgCommanderDriver: TimerDriver = {
  id: AMG_DRIVER_ID,
  label: 'AMG Lab Commander',
  role: 'timer',
  services: [AMG_SERVICE_UUID, BATTERY_SERVICE_UUID],
  commands: AMG_COMMANDS,
  matches(adv) {
    const name = (adv.name ?? '').toUpperCase();
    return AMG_NAME_PREFIXES.some((p) => name.startsWith(p)) || advertisesService(adv, AMG_SERVICE_UUID);
  },
  defaultDeviceId: (address) => `amg-${addressSuffix(address)}`,
  create: ({ deviceId, address, host, rssi }) => new AmgSession(deviceId, address, host, rssi ?? null),
};
