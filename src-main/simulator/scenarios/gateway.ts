/**
 * `gateway`: M.A.S.H. IoT gateways (Raspberry Pi) in the gateway's own wire format. Each gateway
 * connects without a will, publishes a retained `{"status": "ONLINE", …}` (and `OFFLINE` when it
 * shuts down), reports its fruiting and spawning rooms every 5 s on `devices/{id}/sensor_data`
 * (epoch-second timestamps; a room whose sensor failed as `{"error": "invalid_reading"}`), re-sends
 * `{"type": "co2_high", …}` on every reading while a room is over its limit, and carries out
 * `{room, actuator, state}` commands, answering with `actuator_states` (nothing else answers:
 * unknown actuators and `set_auto_mode` get no reply). CO2 excursions past 1,500 ppm (the console's
 * CRITICAL threshold) happen every few minutes — the first one about half a minute in.
 */
import { EventQueue } from '../clock';
import { makeZone, startSurge, stepZone, zoneReading, type Zone } from '../devices/gateway';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition } from '../types';

export const READING_PERIOD_MS = 5000;
export const FIRST_SURGE_AFTER_MS = { min: 20_000, max: 40_000 } as const;
/** Chance per reading that one of a gateway's rooms starts an excursion (~ every 5 min). */
export const SURGE_CHANCE = READING_PERIOD_MS / 300_000;
/** Chance per reading that a room's sensor read fails (the Arduino sends an error for it). */
export const SENSOR_ERROR_CHANCE = 0.01;
/** The gateway's own CO2 limits per room (its shipped config). */
export const CO2_MAX_PPM: Readonly<Record<string, number>> = { fruiting: 1000, spawning: 20_000 };
/** The gateway's relay map: exhaust fans exist per room, everything else only in fruiting. */
const ACTUATORS = new Set(['mist_maker', 'humidifier_fan', 'exhaust_fan', 'intake_fan', 'led', 'blower_fan']);

export const GATEWAYS: readonly {
  id: string;
  zones: readonly [string, { temp: number; humidity: number; co2: number }][];
}[] = [
  {
    id: 'MASH-B2-CAL26-CE637C',
    zones: [
      ['fruiting', { temp: 24, humidity: 88, co2: 850 }],
      ['spawning', { temp: 28, humidity: 75, co2: 1100 }],
    ],
  },
  {
    id: 'MASH-A1-CAL25-0B12F4',
    zones: [
      ['fruiting', { temp: 23.5, humidity: 86, co2: 800 }],
      ['spawning', { temp: 27.5, humidity: 73, co2: 1050 }],
    ],
  },
];

/** Python's `json.dumps` with its default separators (`", "`, `": "`), as the gateway sends. */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

const epochS = (ms: number) => ms / 1000;

class Gateway {
  readonly zones: Zone[];

  constructor(
    readonly id: string,
    readonly channel: Channel,
    readonly rng: Rng,
    zones: readonly [string, { temp: number; humidity: number; co2: number }][],
  ) {
    this.zones = zones.map(([name, sp]) => makeZone(name, { ...sp }));
  }

  topic(leaf: string): string {
    return `devices/${this.id}/${leaf}`;
  }
}

class GatewayScenario implements Scenario {
  private readonly queue = new EventQueue();
  private readonly gateways: Gateway[] = [];
  private lastNow: number;
  private readonly c = {
    readings: 0,
    sensor_messages: 0,
    status_messages: 0,
    device_alerts: 0,
    co2_excursions: 0,
    commands_received: 0,
    acks: 0,
  };

  constructor(private readonly ctx: ScenarioContext) {
    this.lastNow = ctx.createdMs;
    for (const g of GATEWAYS) {
      // The gateway sets no last will: a crash leaves its retained ONLINE behind.
      const gw = new Gateway(g.id, ctx.channels.open(g.id), ctx.rng.fork(`gateway:${g.id}`), g.zones);
      this.gateways.push(gw);
      gw.channel.subscribe?.(gw.topic('commands'), (_t, payload) => this.onCommand(gw, payload));
    }
  }

  start(now: number): void {
    this.lastNow = now;
    this.queue.clear();
    this.gateways.forEach((gw, k) => {
      this.queue.schedule(now, (at) => this.status(gw, at, 'ONLINE'));
      // Gateways report out of step with each other.
      this.queue.schedule(now + k * 700 + 200, (at) => this.readings(gw, at, true));
    });
    const first = this.gateways[0];
    if (first) {
      const at = now + first.rng.int(FIRST_SURGE_AFTER_MS.min, FIRST_SURGE_AFTER_MS.max);
      this.queue.schedule(at, (t) => this.surge(first, first.zones[0]!, t));
    }
  }

  tick(now: number): void {
    this.lastNow = now;
    this.queue.runDue(now);
  }

  shutdown(now: number): void {
    for (const gw of this.gateways) this.status(gw, now, 'OFFLINE');
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private status(gw: Gateway, at: number, status: 'ONLINE' | 'OFFLINE'): void {
    gw.channel.publish(
      gw.topic('status'),
      pyJson({ status, timestamp: epochS(at), metadata: {} }),
      { qos: 1, retain: true },
      'status',
    );
    this.c.status_messages++;
  }

  private surge(gw: Gateway, zone: Zone, at: number): void {
    if (zone.surge) return;
    startSurge(zone, gw.rng, at);
    this.c.co2_excursions++;
    this.ctx.log(`gateway: ${gw.id}/${zone.name} CO2 climbing towards ${zone.surge!.target} ppm`);
  }

  private readings(gw: Gateway, at: number, periodic: boolean): void {
    if (periodic && gw.rng.chance(SURGE_CHANCE)) this.surge(gw, gw.rng.pick(gw.zones), at);
    const body: Record<string, unknown> = {};
    for (const zone of gw.zones) {
      stepZone(zone, gw.rng, at);
      if (gw.rng.chance(SENSOR_ERROR_CHANCE)) {
        body[zone.name] = { error: 'invalid_reading' };
        continue;
      }
      body[zone.name] = zoneReading(zone);
      this.c.readings += 3;
    }
    body.timestamp = epochS(at);
    gw.channel.publish(gw.topic('sensor_data'), pyJson(body), { qos: 1 }, 'telemetry');
    this.c.sensor_messages++;
    for (const zone of gw.zones) this.deviceAlert(gw, zone, at);
    if (periodic) this.queue.schedule(at + READING_PERIOD_MS, (t) => this.readings(gw, t, true));
  }

  /** The gateway's own alert: re-sent with every reading while the room is over its limit. */
  private deviceAlert(gw: Gateway, zone: Zone, at: number): void {
    const co2 = Math.round(zone.co2);
    const max = CO2_MAX_PPM[zone.name];
    if (max === undefined || co2 <= max) return;
    gw.channel.publish(
      gw.topic('alerts'),
      pyJson({
        type: 'co2_high',
        message: `${zone.name.toUpperCase()} CO2 HIGH: ${co2}ppm (max: ${max}ppm)`,
        severity: 'WARNING',
        timestamp: epochS(at),
      }),
      { qos: 1 },
      'other',
    );
    this.c.device_alerts++;
  }

  private onCommand(gw: Gateway, payload: string): void {
    this.c.commands_received++;
    let cmd: Record<string, unknown>;
    try {
      cmd = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return; // logged and dropped by the gateway
    }
    if (!cmd || typeof cmd !== 'object') return;
    // Auto mode has no MQTT feedback at all.
    if (cmd.command_type === 'set_auto_mode' || (cmd.enabled !== undefined && cmd.actuator === undefined))
      return;
    const actuator = typeof cmd.actuator === 'string' ? cmd.actuator.toLowerCase() : '';
    const room = typeof cmd.room === 'string' ? cmd.room.toLowerCase() : 'fruiting';
    const on = stateOf(cmd.state);
    if (!ACTUATORS.has(actuator) || on === null) return; // dropped without a reply
    this.queue.schedule(this.lastNow, (at) => {
      // A fan at work ends the excursions.
      if (/fan/.test(actuator) && on) for (const z of gw.zones) z.surge = null;
      gw.channel.publish(
        gw.topic('actuator_states'),
        pyJson({
          room: actuator === 'exhaust_fan' ? room : 'fruiting',
          actuator,
          state: on ? 'on' : 'off',
          timestamp: epochS(at),
        }),
        { qos: 1 },
        'other',
      );
      this.c.acks++;
    });
  }
}

/** The gateway's state normalisation: bool, number, or ON/OFF/TRUE/FALSE/1/0/YES/NO. */
function stateOf(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return null;
  const s = v.trim().toUpperCase();
  if (['ON', 'TRUE', '1', 'YES'].includes(s)) return true;
  if (['OFF', 'FALSE', '0', 'NO'].includes(s)) return false;
  return null;
}

export const gatewayScenario: ScenarioDefinition = {
  family: 'gateway',
  name: 'gateway',
  description: `M.A.S.H. gateways (${GATEWAYS.map((g) => g.id).join(', ')}): room readings, CO2 excursions, re-sent alerts, actuator states`,
  create: (ctx) => new GatewayScenario(ctx),
};
