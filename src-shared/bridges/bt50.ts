/**
 * WitMotion WTVB01-BT50 driver (domain.md §3): every notification goes to ingest whole, as
 * `sensor/{id}/telemetry` `{raw_hex, ts, rate_hz}` — the ingest scans it for every `55 61`
 * record — with the sample rate measured per sensor (records per second), never assumed.
 * Register replies (`55 71`) answer reads; battery is register 0x64.
 */
import {
  BT50_BATTERY_REGISTER,
  BT50_RATE_CODES,
  BT50_HEADER,
  BT50_NAME_MARKERS,
  BT50_NOTIFY_CHARACTERISTIC_UUID,
  BT50_REGISTER_FLAG,
  BT50_SERVICE_UUID,
  BT50_WRITE_CHARACTERISTIC_UUID,
  bt50ReadRegister,
  bt50Save,
  bt50SetDetectionCycle,
  bt50SetReturnRate,
  bt50Unlock,
  bytesToHex,
  decodeBt50Notification,
  decodeBt50RegisterReply,
  type Bt50RegisterReply,
} from '../decoders/bt50';
import { SENSOR_COMMANDS, type CommandDef } from '../commands/catalogue';
import { toIso } from '../events/time';
import {
  CommandPacer,
  DriverCommandError,
  addressSuffix,
  advertisesService,
  canonicalName,
  intArg,
  waitForReply,
  type BleDriver,
  type CommandResult,
  type DriverHost,
  type DriverInfo,
  type DriverSession,
} from './driver';
import type { GattConnection } from './gatt';
import { statusPayload } from './timer';

export const BT50_DRIVER_ID = 'bt50';
const GAP_MS = 100;
const REPLY_TIMEOUT_MS = 2000;
/** The measured rate uses the last few seconds of notifications... */
const RATE_WINDOW_MS = 5000;
/** ...and is reported once they span at least this long (BLE delivers notifications in bursts). */
const RATE_MIN_SPAN_MS = 500;
/** Return-rate register (read back after a change to confirm it). */
const RATE_REGISTER = 0x03;

/**
 * The sensor catalogue's commands that reach the device itself (the same names and arguments the
 * panel sends through a range bridge), and the register-level ones a directly connected sensor
 * also takes.
 */
export const BT50_COMMANDS: readonly CommandDef[] = [
  ...SENSOR_COMMANDS.filter((c) => c.name === 'read_battery' || c.name === 'set_rate'),
  {
    name: 'set_detection_cycle',
    label: 'Set detection cycle',
    description: 'The vibration detection cycle, 1–255 Hz. Changes what the detector sees.',
    disruptive: true,
    fields: [{ key: 'hz', label: 'Cycle', kind: 'int', min: 1, max: 255, default: 100, unit: 'Hz' }],
  },
  {
    name: 'read_register',
    label: 'Read register',
    description: 'Reads one register (FF AA 27 <reg> 00) and shows its value.',
    disruptive: false,
    fields: [{ key: 'register', label: 'Register', kind: 'int', min: 0, max: 255, default: 0x64 }],
  },
];

const ALIASES: Record<string, string> = {
  battery: 'read_battery',
  rate: 'set_rate',
  set_return_rate: 'set_rate',
  return_rate: 'set_rate',
  detection_cycle: 'set_detection_cycle',
  cycle: 'set_detection_cycle',
  read: 'read_register',
};

export function canonicalBt50Command(name: string): string {
  return canonicalName(name, ALIASES);
}

/** `{rate_hz}` (one of BT50_RATE_CODES) or `{rate}` (the device's own code). */
function rateCode(args: Record<string, unknown>): number {
  if (args.rate_hz !== undefined && args.rate_hz !== null) {
    const code = BT50_RATE_CODES[Number(args.rate_hz)];
    if (code === undefined) {
      throw new DriverCommandError(
        'invalid_args',
        `rate_hz must be one of ${Object.keys(BT50_RATE_CODES).join(', ')}`,
      );
    }
    return code;
  }
  return intArg(args, ['rate', 'value', 'code'], 0, 255, 'rate');
}

/** The register writes a BT50 command is made of, in order (each ~100 ms apart). */
export function encodeBt50Command(name: string, args: Record<string, unknown> = {}): Uint8Array[] {
  switch (canonicalBt50Command(name)) {
    case 'read_battery':
      return [bt50ReadRegister(BT50_BATTERY_REGISTER)];
    case 'read_register':
      return [bt50ReadRegister(intArg(args, ['register', 'reg'], 0, 255, 'register'))];
    case 'set_rate':
      return [bt50Unlock(), bt50SetReturnRate(rateCode(args)), bt50Save()];
    case 'recalibrate':
      throw new DriverCommandError(
        'unknown_command',
        "recalibrate is not a BT50 command: the console's detector learns the baseline from telemetry",
      );
    case 'set_detection_cycle':
      return [
        bt50Unlock(),
        bt50SetDetectionCycle(intArg(args, ['hz', 'value', 'cycle'], 1, 255, 'hz')),
        bt50Save(),
      ];
    default:
      throw new DriverCommandError(
        'unknown_command',
        `unknown BT50 command "${name.slice(0, 40)}"; known: ${BT50_COMMANDS.map((c) => c.name).join(', ')}`,
      );
  }
}

/**
 * Register 0x64 holds the battery voltage in centivolts (a reading above 1000 is taken as
 * millivolts). Percent follows WitMotion's single-cell Li-ion table; domain.md gives no
 * mapping, so this is our assumption and the voltage travels alongside it.
 */
export function bt50Battery(raw: number): { volts: number; percent: number } {
  const cv = raw > 1000 ? raw / 10 : raw;
  const table: [number, number][] = [
    [396, 100],
    [393, 90],
    [387, 75],
    [382, 60],
    [379, 50],
    [377, 40],
    [373, 30],
    [370, 20],
    [368, 15],
    [350, 10],
    [340, 5],
  ];
  let percent = 0;
  for (const [above, pct] of table) {
    if (cv > above) {
      percent = pct;
      break;
    }
  }
  return { volts: Math.round(cv) / 100, percent };
}

/** Records per second over a sliding window of notifications. */
export class RateMeter {
  private window: { at: number; records: number }[] = [];

  add(at: number, records: number): void {
    this.window.push({ at, records });
    while (this.window.length > 2 && this.window[0]!.at < at - RATE_WINDOW_MS) this.window.shift();
  }

  /** Null until the window spans long enough to mean something. */
  rate(): number | null {
    const w = this.window;
    if (w.length < 2) return null;
    const span = w[w.length - 1]!.at - w[0]!.at;
    if (span < RATE_MIN_SPAN_MS) return null;
    // The first notification's records arrived before the span started.
    let records = 0;
    for (let i = 1; i < w.length; i++) records += w[i]!.records;
    return Math.round((records * 1000 * 10) / span) / 10;
  }
}

class Bt50Session implements DriverSession {
  private conn: GattConnection | null = null;
  private readonly pacer: CommandPacer;
  private readonly meter = new RateMeter();
  private battery: number | null = null;
  private batteryV: number | null = null;
  private notifications = 0;
  private badFrames = 0;
  private records = 0;
  private lastNotificationAt: number | null = null;
  private temperatureC: number | null = null;
  private replyListeners = new Set<(reply: Bt50RegisterReply) => void>();
  private stopped = false;

  constructor(
    private readonly deviceId: string,
    private readonly address: string,
    private readonly host: DriverHost,
    private rssi: number | null,
  ) {
    this.pacer = new CommandPacer(host.clock, GAP_MS);
  }

  private status(at: number, connection: 'connected' | 'disconnected', reason?: string): void {
    this.host.emit({
      path: `sensor/${this.deviceId}/status`,
      retain: true,
      at,
      payload: statusPayload('sensor_id', this.deviceId, BT50_DRIVER_ID, this.address, at, {
        connection,
        battery: this.battery,
        battery_v: this.batteryV,
        rssi: this.rssi,
        rate_hz: this.meter.rate(),
        reason,
      }),
    });
  }

  async start(conn: GattConnection): Promise<void> {
    this.conn = conn;
    await conn.subscribe(BT50_SERVICE_UUID, BT50_NOTIFY_CHARACTERISTIC_UUID, (value, at) =>
      this.onNotification(value, at),
    );
    this.status(this.host.clock.now(), 'connected');
    // The reply arrives as a notification and updates the status then.
    await this.writeSteps([bt50ReadRegister(BT50_BATTERY_REGISTER)]).catch(() => undefined);
  }

  async poll(): Promise<void> {
    if (!this.conn || this.stopped) return;
    await this.writeSteps([bt50ReadRegister(BT50_BATTERY_REGISTER)]).catch(() => undefined);
    this.status(this.host.clock.now(), 'connected');
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.conn = null;
    this.replyListeners.clear();
    this.status(this.host.clock.now(), 'disconnected', reason);
  }

  info(): DriverInfo {
    return {
      battery: this.battery,
      notifications: this.notifications,
      bad_frames: this.badFrames,
      last_notification_at: this.lastNotificationAt,
      extra: {
        records: this.records,
        rate_hz: this.meter.rate(),
        battery_v: this.batteryV,
        temperature_c: this.temperatureC,
      },
    };
  }

  onNotification(value: Uint8Array, at: number): void {
    this.notifications++;
    this.lastNotificationAt = at;
    if (value[0] === BT50_HEADER && value[1] === BT50_REGISTER_FLAG) {
      const reply = decodeBt50RegisterReply(value);
      if (reply) {
        this.onRegister(reply, at);
        return;
      }
    }
    const records = decodeBt50Notification(value);
    const raw_hex = bytesToHex(value);
    if (records.length === 0) {
      // Hand it to ingest anyway: it becomes a reject with the reason, visible in the Monitor.
      this.badFrames++;
      this.host.emit({
        path: `sensor/${this.deviceId}/telemetry`,
        at,
        payload: { raw_hex, ts: toIso(at) },
      });
      return;
    }
    this.meter.add(at, records.length);
    const seq = this.records;
    this.records += records.length;
    this.temperatureC = records[records.length - 1]!.temperatureC;
    const rate = this.meter.rate();
    this.host.emit({
      path: `sensor/${this.deviceId}/telemetry`,
      at,
      payload: { raw_hex, ts: toIso(at), ...(rate !== null ? { rate_hz: rate } : {}), seq },
    });
  }

  private onRegister(reply: Bt50RegisterReply, at: number): void {
    if (reply.register === BT50_BATTERY_REGISTER && reply.values[0] !== undefined) {
      const b = bt50Battery(reply.values[0]);
      this.battery = b.percent;
      this.batteryV = b.volts;
      this.status(at, 'connected');
    }
    for (const l of [...this.replyListeners]) l(reply);
  }

  private async writeSteps(steps: Uint8Array[]): Promise<string[]> {
    const sent: string[] = [];
    for (const step of steps) {
      await this.pacer.run(async () => {
        const conn = this.conn;
        if (!conn) throw new DriverCommandError('not_connected', 'the sensor is not connected');
        await conn.write(BT50_SERVICE_UUID, BT50_WRITE_CHARACTERISTIC_UUID, step, 'command');
      });
      sent.push(bytesToHex(step));
    }
    return sent;
  }

  private awaitRegister(register: number): Promise<Bt50RegisterReply> {
    return waitForReply<Bt50RegisterReply>(
      this.host.clock,
      REPLY_TIMEOUT_MS,
      (accept) => {
        const l = (r: Bt50RegisterReply) => {
          if (r.register === register) accept(r);
        };
        this.replyListeners.add(l);
        return () => this.replyListeners.delete(l);
      },
      `reply for register 0x${register.toString(16).padStart(2, '0')}`,
    );
  }

  async command(name: string, args: Record<string, unknown>): Promise<CommandResult> {
    const cmd = canonicalBt50Command(name);
    const steps = encodeBt50Command(cmd, args);
    if (this.stopped || !this.conn)
      throw new DriverCommandError('not_connected', 'the sensor is not connected');
    const guard = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (err) {
        if (err instanceof DriverCommandError) throw err;
        throw new DriverCommandError('failed', `write failed: ${(err as Error).message}`);
      }
    };
    if (cmd === 'read_battery' || cmd === 'read_register') {
      const register = cmd === 'read_battery' ? BT50_BATTERY_REGISTER : steps[0]![3]!;
      const reply = this.awaitRegister(register);
      reply.catch(() => undefined);
      const sent = await guard(this.writeSteps(steps));
      const r = await reply;
      const out: Record<string, unknown> = { register: r.register, values: r.values };
      if (cmd === 'read_battery') Object.assign(out, { battery: this.battery, battery_v: this.batteryV });
      return { acknowledged: true, sent, reply: out };
    }
    const sent = await guard(this.writeSteps(steps));
    if (cmd === 'set_rate') {
      // Read the register back: acknowledged only if the sensor now holds the new rate.
      const want = steps[1]![3]!;
      const reply = this.awaitRegister(RATE_REGISTER);
      reply.catch(() => undefined);
      await guard(this.writeSteps([bt50ReadRegister(RATE_REGISTER)]));
      const r = await reply.catch(() => null);
      return {
        acknowledged: r !== null && r.values[0] === want,
        sent,
        ...(r ? { reply: { register: r.register, values: r.values } } : {}),
      };
    }
    return { acknowledged: false, sent };
  }
}

export const bt50Driver: BleDriver = {
  id: BT50_DRIVER_ID,
  label: 'WitMotion WTVB01-BT50',
  role: 'sensor',
  services: [BT50_SERVICE_UUID],
  commands: BT50_COMMANDS,
  matches(adv) {
    const name = (adv.name ?? '').toUpperCase();
    return BT50_NAME_MARKERS.some((m) => name.includes(m)) || advertisesService(adv, BT50_SERVICE_UUID);
  },
  defaultDeviceId: (address) => `bt50-${addressSuffix(address)}`,
  create: ({ deviceId, address, host, rssi }) => new Bt50Session(deviceId, address, host, rssi ?? null),
};
