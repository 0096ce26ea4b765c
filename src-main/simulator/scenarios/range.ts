/**
 * `range`: a LeadVille-style range bridge with an AMG timer and N BT50 sensors, publishing the
 * domain.md §1 tree: retained bridge/system/timer/sensor statuses every 30 s, timer events for
 * strings of five shots (steel challenge: four plates, then the stop plate), sensor telemetry at
 * the chosen rate with a burst 300–700 ms after each shot on the hit plate's sensor, and the
 * bridge's detected impacts.
 */
import { EventQueue, isoAt } from '../clock';
import { bridgeStatusPayload, HostHealth, impactPayload } from '../devices/bridge';
import { Bt50Sensor, type BurstPlan, type TelemetryShape } from '../devices/sensor';
import {
  drawTimerStyle,
  planString,
  summarizeString,
  timerEventPayload,
  timerStatusPayload,
  type PreviousString,
  type StringPlan,
  type TimerConfig,
  type TimerEvent,
  type TimerStyle,
} from '../devices/timer';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition, Qos } from '../types';

export const STATUS_PERIOD_MS = 30_000;
export const FIRST_STRING_AFTER_MS = { min: 2000, max: 4000 } as const;
export const BETWEEN_STRINGS_MS = { min: 8000, max: 15000 } as const;
export const SHOTS_PER_STRING = 5;
export const MISS_CHANCE = 0.1;
export const TIMER_ID = 'amg-01';
export const BRIDGE_ID = 'bridge-01';

export function sensorId(index: number, total: number): string {
  return `bt50-${String(index + 1).padStart(Math.max(2, String(total).length), '0')}`;
}

/** Which telemetry shape sensor k uses under the `mixed` option: mostly single samples. */
export function mixedShape(index: number): TelemetryShape {
  if (index === 1) return 'batch';
  if (index === 2) return 'raw';
  return 'single';
}

export function topicFor(prefix: string, suffix: string): string {
  return prefix ? `${prefix}/${suffix}` : suffix;
}

interface PlannedString {
  plan: StringPlan;
  style: TimerStyle;
  /** Per shot: the plate hit, or null for a miss. */
  hits: Array<string | null>;
}

class RangeScenario implements Scenario {
  private readonly queue = new EventQueue();
  private readonly sensors: Bt50Sensor[] = [];
  private readonly sensorChannels: Channel[] = [];
  private readonly bridge: Channel;
  private readonly timer: Channel;
  private readonly health: HostHealth;
  private readonly timerRng: Rng;
  private readonly impactRng: Rng;
  private readonly styleRng: Rng;
  private readonly timerSlow: Rng;
  private readonly timerName: string;
  private readonly timerConfig: TimerConfig;
  private timerBattery: number;
  private timerRssi: number;
  private startMs: number;
  private stringNumber = 0;
  private previous: PreviousString = { totalShots: 0, firstCs: 0, lastCs: 0 };
  private readonly c = {
    messages: 0,
    telemetry_messages: 0,
    samples: 0,
    timer_events: 0,
    strings: 0,
    shots: 0,
    impacts: 0,
    misses: 0,
    status_messages: 0,
  };

  constructor(private readonly ctx: ScenarioContext) {
    const { rng } = ctx;
    this.timerRng = rng.fork('timer');
    this.impactRng = rng.fork('impacts');
    this.styleRng = rng.fork('style');
    this.timerSlow = rng.fork('timer-status');
    this.health = new HostHealth(rng.fork('health'));
    this.timerName = `AMG LAB COMM ${this.timerSlow.int(0, 0xffff).toString(16).toUpperCase().padStart(4, '0')}`;
    this.timerBattery = this.timerSlow.int(60, 100);
    this.timerRssi = this.timerSlow.int(-72, -55);
    this.timerConfig = {
      sensitivity: 5,
      echo_delay_cs: 10,
      beep_volume: 2,
      preset: 1,
      start_delay: 'random',
      live_push: true,
    };
    this.startMs = ctx.createdMs;
    const iso = isoAt(ctx.createdMs);

    for (let k = 0; k < ctx.sensors; k++) {
      const id = sensorId(k, ctx.sensors);
      const shape: TelemetryShape = ctx.telemetryShape === 'mixed' ? mixedShape(k) : ctx.telemetryShape;
      const sensor = new Bt50Sensor({
        id,
        plateId: `P${k + 1}`,
        rateHz: ctx.rateHz,
        startMs: ctx.createdMs,
        shape,
        rng: rng.fork(`sensor:${id}`),
      });
      this.sensors.push(sensor);
      this.sensorChannels.push(
        ctx.channels.open(id, {
          topic: this.topic(`sensor/${id}/status`),
          payload: sensor.statusPayload('disconnected', isoAt, ctx.createdMs),
          qos: 1,
          retain: true,
        }),
      );
    }
    // The bridge's will lists its sensors, so it is opened after them.
    this.bridge = ctx.channels.open(BRIDGE_ID, {
      topic: this.topic('bridge/status'),
      payload: JSON.stringify(this.bridgeStatus(false, ctx.createdMs)),
      qos: 1,
      retain: true,
    });
    this.timer = ctx.channels.open(TIMER_ID, {
      topic: this.topic('timer/status'),
      payload: JSON.stringify(this.timerStatus('disconnected', iso)),
      qos: 1,
      retain: true,
    });
  }

  start(now: number): void {
    this.startMs = now;
    for (const sensor of this.sensors) sensor.begin(now);
    this.queue.clear();
    this.queue.schedule(now, (at) => this.publishStatuses(at));
    const first = now + this.timerRng.int(FIRST_STRING_AFTER_MS.min, FIRST_STRING_AFTER_MS.max);
    this.queue.schedule(first, (at) => this.beep(at));
  }

  tick(now: number): void {
    // Interleave in time order: samples up to an event's time go out before the event runs, so
    // what a message says (battery, counters) does not depend on where the ticks fall.
    for (;;) {
      const due = this.queue.nextDue();
      if (due === undefined || due > now) break;
      this.drainSensors(due);
      this.queue.runDue(due);
    }
    this.drainSensors(now);
  }

  private drainSensors(now: number): void {
    const qos: Qos = this.ctx.telemetryQos;
    for (let k = 0; k < this.sensors.length; k++) {
      const sensor = this.sensors[k]!;
      const before = sensor.samplesEmitted;
      const payloads = sensor.drain(now, isoAt);
      this.c.samples += sensor.samplesEmitted - before;
      if (payloads.length === 0) continue;
      const channel = this.sensorChannels[k]!;
      const topic = this.topic(`sensor/${sensor.id}/telemetry`);
      for (const p of payloads) channel.publish(topic, p, { qos }, 'telemetry');
      this.c.telemetry_messages += payloads.length;
      this.c.messages += payloads.length;
    }
  }

  shutdown(now: number): void {
    const iso = isoAt(now);
    this.sensors.forEach((sensor, k) => {
      this.status(
        this.sensorChannels[k]!,
        `sensor/${sensor.id}/status`,
        sensor.statusPayload('disconnected', isoAt, now),
      );
    });
    this.status(this.timer, 'timer/status', JSON.stringify(this.timerStatus('disconnected', iso)));
    this.status(this.bridge, 'bridge/status', JSON.stringify(this.bridgeStatus(false, now)));
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private topic(suffix: string): string {
    return topicFor(this.ctx.prefix, suffix);
  }

  private status(channel: Channel, suffix: string, payload: string): void {
    channel.publish(this.topic(suffix), payload, { qos: 1, retain: true }, 'status');
    this.c.status_messages++;
    this.c.messages++;
  }

  private bridgeStatus(online: boolean, now: number): Record<string, unknown> {
    return bridgeStatusPayload({
      bridgeId: BRIDGE_ID,
      online,
      timerConnection: online ? 'connected' : 'disconnected',
      sensors: this.sensors.map((s) => ({
        id: s.id,
        plateId: s.plateId,
        connection: online ? 'connected' : 'disconnected',
      })),
      clientStats: {
        connected: online,
        messages_published: this.c.messages,
        reconnects: 0,
        uptime_s: Math.round((now - this.startMs) / 1000),
      },
      timestamp: isoAt(now),
    });
  }

  private timerStatus(connection: 'connected' | 'disconnected', timestamp: string): Record<string, unknown> {
    return timerStatusPayload({
      timerId: TIMER_ID,
      name: this.timerName,
      connection,
      rssi: this.timerRssi,
      battery: this.timerBattery,
      config: this.timerConfig,
      lastString: this.stringNumber,
      timestamp,
    });
  }

  private publishStatuses(at: number): void {
    const iso = isoAt(at);
    this.status(this.bridge, 'bridge/status', JSON.stringify(this.bridgeStatus(true, at)));
    this.status(
      this.bridge,
      'system/health',
      JSON.stringify(this.health.payload((at - this.startMs) / 1000, iso)),
    );
    if (at > this.startMs) {
      if (this.timerSlow.chance(0.1) && this.timerBattery > 5) this.timerBattery--;
      this.timerRssi = Math.min(-40, Math.max(-90, this.timerRssi + this.timerSlow.int(-2, 2)));
    }
    this.status(this.timer, 'timer/status', JSON.stringify(this.timerStatus('connected', iso)));
    this.sensors.forEach((sensor, k) => {
      if (at > this.startMs) sensor.drift();
      this.status(
        this.sensorChannels[k]!,
        `sensor/${sensor.id}/status`,
        sensor.statusPayload('connected', isoAt, at),
      );
    });
    this.queue.schedule(at + STATUS_PERIOD_MS, (next) => this.publishStatuses(next));
  }

  /** The beep: plan the whole string, its timer events and the impacts it causes. */
  private beep(at: number): void {
    this.stringNumber++;
    const plan = planString(this.timerRng, this.stringNumber, at, this.previous, SHOTS_PER_STRING);
    const style = drawTimerStyle(this.styleRng);
    const planned: PlannedString = { plan, style, hits: [] };
    const start = plan.events[0]!;

    plan.shots.forEach((shot, i) => {
      const missed = this.sensors.length === 0 || this.impactRng.chance(MISS_CHANCE);
      if (missed) {
        planned.hits.push(null);
        return;
      }
      const sensor = this.sensors[i % this.sensors.length]!;
      const burst = sensor.planBurst(this.impactRng, at + shot.timeCs * 10);
      planned.hits.push(sensor.plateId);
      const processingMs = this.impactRng.int(1, 5);
      this.queue.schedule(burst.endMs + processingMs, () => this.publishImpact(burst, start.receivedMs));
    });
    for (const event of plan.events) {
      this.queue.schedule(event.receivedMs, () => this.publishTimerEvent(event, planned));
    }
    this.previous = summarizeString(plan);
    const gap = this.timerRng.int(BETWEEN_STRINGS_MS.min, BETWEEN_STRINGS_MS.max);
    this.queue.schedule(plan.stopMs + gap, (next) => this.beep(next));
  }

  private publishTimerEvent(event: TimerEvent, planned: PlannedString): void {
    const payload = timerEventPayload(event, planned.style, TIMER_ID, isoAt);
    this.timer.publish(this.topic('timer/events'), JSON.stringify(payload), { qos: 1 }, 'timer');
    this.c.timer_events++;
    this.c.messages++;
    if (event.type === 'SHOT') this.c.shots++;
    if (event.type === 'STOP') {
      this.c.strings++;
      this.c.misses += planned.hits.filter((h) => h === null).length;
      this.ctx.log(describeString(planned));
    }
  }

  private publishImpact(burst: BurstPlan, t0ReceivedMs: number): void {
    const payload = impactPayload(burst, t0ReceivedMs, isoAt);
    this.bridge.publish(this.topic('detection/impacts'), JSON.stringify(payload), { qos: 1 }, 'impact');
    this.c.impacts++;
    this.c.messages++;
  }
}

/** One line per string: `string 3  1.92 +0.54 +0.61 +0.48 +0.77 = 4.32 s  hits P1 P2 – P4 P1`. */
export function describeString({ plan, style, hits }: PlannedString): string {
  const times = plan.shots.map((s, i) =>
    i === 0 ? (s.splitCs / 100).toFixed(2) : `+${(s.splitCs / 100).toFixed(2)}`,
  );
  const last = plan.shots[plan.shots.length - 1];
  const misses = hits.filter((h) => h === null).length;
  const total = last ? (last.timeCs / 100).toFixed(2) : '0.00';
  const hitText = hits.map((h) => h ?? '-').join(' ');
  const styleText = `${style.shape}/${style.startName}/${style.units}`;
  return (
    `string ${plan.stringNumber}: ${times.join(' ')} = ${total} s  hits ${hitText}` +
    `${misses ? `  (${misses} miss${misses > 1 ? 'es' : ''})` : ''}  [${styleText}]`
  );
}

export const rangeScenario: ScenarioDefinition = {
  name: 'range',
  description: 'range bridge: AMG timer strings, BT50 sensor telemetry with impacts, statuses',
  create: (ctx) => new RangeScenario(ctx),
};
