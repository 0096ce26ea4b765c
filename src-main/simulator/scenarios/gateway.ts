/**
 * `gateway`: M.A.S.H.-style field gateways on the domain.md §8 tree. Each gateway reports its
 * zones' temperature, humidity and CO2 every few seconds on `devices/{id}/sensor_data`, keeps a
 * retained status (last will: offline), raises its own `high_co2` WARNING when a zone's CO2 passes
 * 1,300 ppm, and carries out and acknowledges commands from `devices/{id}/commands` on
 * `devices/{id}/commands/ack`. CO2 excursions past 1,500 ppm (the console's CRITICAL threshold)
 * happen every few minutes — the first one about half a minute in.
 */
import { EventQueue, isoAt } from '../clock';
import {
  DEVICE_CO2_ALERT_PPM,
  DEVICE_CO2_CLEAR_PPM,
  makeZone,
  startSurge,
  stepZone,
  zoneReading,
  type Zone,
} from '../devices/gateway';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition } from '../types';

export const READING_PERIOD_MS = 5000;
export const STATUS_PERIOD_MS = 30_000;
export const FIRST_SURGE_AFTER_MS = { min: 20_000, max: 40_000 } as const;
/** Chance per reading that one of a gateway's zones starts an excursion (~ every 5 min). */
export const SURGE_CHANCE = READING_PERIOD_MS / 300_000;
export const FIRMWARE = 'mash-gw 1.8.2';

export const GATEWAYS: readonly {
  id: string;
  zones: readonly [string, { temp: number; humidity: number; co2: number }][];
}[] = [
  {
    id: 'gw-01',
    zones: [
      ['fruiting', { temp: 22.5, humidity: 88, co2: 850 }],
      ['incubation', { temp: 25.5, humidity: 70, co2: 1100 }],
    ],
  },
  {
    id: 'gw-02',
    zones: [
      ['greenhouse-a', { temp: 21, humidity: 65, co2: 600 }],
      ['greenhouse-b', { temp: 21.5, humidity: 62, co2: 620 }],
      ['nursery', { temp: 23, humidity: 75, co2: 700 }],
    ],
  },
];

class Gateway {
  readonly zones: Zone[];
  bootedAt: number;

  constructor(
    readonly id: string,
    readonly channel: Channel,
    readonly rng: Rng,
    zones: readonly [string, { temp: number; humidity: number; co2: number }][],
    now: number,
  ) {
    this.zones = zones.map(([name, sp]) => makeZone(name, { ...sp }));
    this.bootedAt = now - rng.int(60, 86_400) * 1000;
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
      const will = {
        topic: `devices/${g.id}/status`,
        payload: JSON.stringify({ online: false, timestamp: isoAt(ctx.createdMs) }),
        qos: 1 as const,
        retain: true,
      };
      const gw = new Gateway(
        g.id,
        ctx.channels.open(g.id, will),
        ctx.rng.fork(`gateway:${g.id}`),
        g.zones,
        ctx.createdMs,
      );
      this.gateways.push(gw);
      gw.channel.subscribe?.(gw.topic('commands'), (_t, payload) => this.onCommand(gw, payload));
    }
  }

  start(now: number): void {
    this.lastNow = now;
    this.queue.clear();
    this.gateways.forEach((gw, k) => {
      this.queue.schedule(now, (at) => this.status(gw, at, true));
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
    for (const gw of this.gateways) {
      gw.channel.publish(
        gw.topic('status'),
        JSON.stringify({ online: false, timestamp: isoAt(now) }),
        { qos: 1, retain: true },
        'status',
      );
    }
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private status(gw: Gateway, at: number, periodic: boolean): void {
    gw.channel.publish(
      gw.topic('status'),
      JSON.stringify({
        online: true,
        uptime: Math.round((at - gw.bootedAt) / 1000),
        firmware: FIRMWARE,
        zones: gw.zones.length,
        timestamp: isoAt(at),
      }),
      { qos: 1, retain: true },
      'status',
    );
    this.c.status_messages++;
    if (periodic) this.queue.schedule(at + STATUS_PERIOD_MS, (t) => this.status(gw, t, true));
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
      body[zone.name] = zoneReading(zone);
      this.c.readings += 3;
    }
    body.timestamp = isoAt(at);
    gw.channel.publish(gw.topic('sensor_data'), JSON.stringify(body), { qos: 1 }, 'telemetry');
    this.c.sensor_messages++;
    for (const zone of gw.zones) this.deviceAlert(gw, zone, at);
    if (periodic) this.queue.schedule(at + READING_PERIOD_MS, (t) => this.readings(gw, t, true));
  }

  /** The gateway's own alert: once per excursion past its (lower) limit. */
  private deviceAlert(gw: Gateway, zone: Zone, at: number): void {
    const co2 = Math.round(zone.co2);
    if (zone.alertArmed && co2 > DEVICE_CO2_ALERT_PPM) {
      zone.alertArmed = false;
      gw.channel.publish(
        gw.topic('alerts'),
        JSON.stringify({
          alert_type: 'high_co2',
          message: `CO2 ${co2} ppm in ${zone.name}`,
          severity: 'WARNING',
          zone: zone.name,
          metric: 'co2',
          value: co2,
          threshold: DEVICE_CO2_ALERT_PPM,
          timestamp: isoAt(at),
        }),
        { qos: 1 },
        'other',
      );
      this.c.device_alerts++;
    } else if (!zone.alertArmed && co2 < DEVICE_CO2_CLEAR_PPM) {
      zone.alertArmed = true;
    }
  }

  private onCommand(gw: Gateway, payload: string): void {
    this.c.commands_received++;
    let cmd: { id?: unknown; command?: unknown; params?: unknown };
    try {
      cmd = JSON.parse(payload) as typeof cmd;
    } catch {
      return;
    }
    if (typeof cmd.id !== 'string' && typeof cmd.id !== 'number') return;
    const id = cmd.id;
    const params = (cmd.params && typeof cmd.params === 'object' ? cmd.params : {}) as Record<
      string,
      unknown
    >;
    this.queue.schedule(this.lastNow, (at) => {
      const ack = (success: boolean, message: string) => {
        gw.channel.publish(
          gw.topic('commands/ack'),
          JSON.stringify({ id, success, message }),
          { qos: 1 },
          'other',
        );
        this.c.acks++;
      };
      switch (cmd.command) {
        case 'set_actuator':
        case 'set_level': {
          // A fan (or any ventilation) at work ends the excursions.
          const actuator = typeof params.actuator === 'string' ? params.actuator : '';
          const on = cmd.command === 'set_level' ? Number(params.level) > 0 : params.state !== 'off';
          if (/fan|vent/i.test(actuator) && on) for (const z of gw.zones) z.surge = null;
          return ack(
            true,
            `${actuator || 'actuator'} ${cmd.command === 'set_level' ? `at ${String(params.level)} %` : on ? 'on' : 'off'}`,
          );
        }
        case 'set_setpoint': {
          const zone = gw.zones.find((z) => z.name === params.zone);
          const metric = params.metric;
          const value = Number(params.value);
          if (!zone) return ack(false, `unknown zone ${JSON.stringify(params.zone ?? null).slice(0, 40)}`);
          if ((metric !== 'temp' && metric !== 'humidity' && metric !== 'co2') || !Number.isFinite(value)) {
            return ack(false, 'setpoint needs metric temp, humidity or co2 and a number');
          }
          zone.setpoint = { ...zone.setpoint, [metric]: value };
          return ack(true, `${zone.name} ${metric} setpoint ${value}`);
        }
        case 'read_sensors':
          ack(true, 'reading now');
          return this.readings(gw, at, false);
        case 'reboot':
          gw.bootedAt = at;
          ack(true, 'rebooting');
          return this.status(gw, at, false);
        case 'identify':
          return ack(true, 'blinking');
        default:
          return ack(false, `unknown command ${JSON.stringify(cmd.command ?? null).slice(0, 40)}`);
      }
    });
  }
}

export const gatewayScenario: ScenarioDefinition = {
  family: 'gateway',
  name: 'gateway',
  description: `field gateways (${GATEWAYS.map((g) => g.id).join(', ')}): zone readings, CO2 excursions, alerts, command acks`,
  create: (ctx) => new GatewayScenario(ctx),
};
