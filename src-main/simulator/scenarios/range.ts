/**
 * `range`: a LeadVille-style range bridge with an AMG timer and N BT50 sensors, publishing the
 * domain.md §1 tree: retained bridge/system/timer/sensor statuses every 30 s, timer events for
 * strings of five shots (steel challenge: four plates, then the stop plate), sensor telemetry at
 * the chosen rate with a burst 300–700 ms after each shot on the hit plate's sensor, and the
 * bridge's detected impacts.
 *
 * The strings make up a whole match (devices/match.ts): a squad of four shooting the eight
 * classifier stages in turn (5 strings each, Outer Limits 4), 8–15 s between strings and between
 * shooters, 30–60 s while the squad walks to the next stage, then the match starts over. On top of
 * the random misses, every pass has a missed stop plate (stage 1, 2nd shooter, string 2), an echo
 * the timer records after the stop plate (stage 1, 3rd shooter, string 4: a sixth shot with no
 * impact) and a sensor that drops out for 20 s and comes back (stage 1, 4th shooter, string 1:
 * bt50-03 goes silent, its status says so, and hits on its plate are not reported). With
 * `--sensors 5`, sensor k sits on plate Pk and P5 is the stop plate.
 */
import { EventQueue, isoAt } from '../clock';
import { bridgeStatusPayload, HostHealth, impactPayload } from '../devices/bridge';
import { handleCommands, type CommandReply, type IncomingCommand } from '../devices/commandable';
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
import { incidentsAt, matchSlot, type Incident, type MatchSlot } from '../../../src-shared/range/demo-match';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition, Qos } from '../types';

export const STATUS_PERIOD_MS = 30_000;
export const FIRST_STRING_AFTER_MS = { min: 2000, max: 4000 } as const;
export const BETWEEN_STRINGS_MS = { min: 8000, max: 15000 } as const;
/** The squad walks to the next stage. */
export const BETWEEN_STAGES_MS = { min: 30_000, max: 60_000 } as const;
/** The echo the timer records after the stop plate. */
export const ECHO_CS = { min: 18, max: 45 } as const;
export const DROPOUT_MS = 20_000;
/** The sensor that drops out: bt50-03 when there are three or more. */
export const DROPOUT_SENSOR_INDEX = 2;
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
  /** Per aimed shot: the plate hit, or null for a miss (the echo is not an aimed shot). */
  hits: Array<string | null>;
  slot: MatchSlot;
  incidents: Incident[];
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
  private readonly dropouts: Array<[number, number, number]> = [];
  /** Commands: the latest tick's time, the running string's end, the live beep schedule. */
  private lastNow = 0;
  private runningUntil = 0;
  private beepToken = 0;
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
    echoes: 0,
    stop_plate_misses: 0,
    dropouts: 0,
    impacts_lost: 0,
  };

  /** PR51 wire only: when the bridge last sent a T0 (it resets on every beep and every shot). */
  private lastT0Ms: number | null = null;

  constructor(
    private readonly ctx: ScenarioContext,
    /**
     * `marshal`: the bridge's richer shapes (timer events with the AMG `raw_hex` frame, STOP,
     * impacts relative to the beep). `pr51`: LeadVille's own message bus — a T0 on
     * `detection/shots` for the beep and for every shot, no STOP, HITs in the nested envelope with
     * `t_rel_ms` from the last T0.
     */
    private readonly wire: 'marshal' | 'pr51' = 'marshal',
  ) {
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
    // The bridge relays the console's commands to the timer and the sensors and acknowledges them
    // on `…/command/ack` (channels that cannot receive, like the recorder's, answer nothing).
    handleCommands(this.timer, {
      wire: 'range',
      topic: this.topic('timer/command'),
      decide: (cmd) => this.timerCommand(cmd),
    });
    this.sensors.forEach((sensor, k) => {
      handleCommands(this.sensorChannels[k]!, {
        wire: 'range',
        topic: this.topic(`sensor/${sensor.id}/command`),
        decide: (cmd) => this.sensorCommand(k, cmd),
      });
    });
  }

  /** The AMG timer, through the bridge: settings only while stopped (domain.md §2). */
  private timerCommand(cmd: IncomingCommand): CommandReply {
    // One command topic serves every timer on the tree: answer only for this one.
    const target = cmd.body.device_id ?? cmd.body.timer_id;
    if (typeof target === 'string' && target !== TIMER_ID) return null;
    const now = this.lastNow;
    const running = now < this.runningUntil;
    switch (cmd.command) {
      case 'remote_start':
        if (running) return { ok: false, error: 'the timer is running a string' };
        // Running from now on (the beep plans the string at the next tick and sets its end).
        this.runningUntil = Number.MAX_SAFE_INTEGER;
        this.scheduleBeep(now);
        return { ok: true };
      case 'remote_stop':
        return running ? { ok: true } : { ok: false, error: 'no string is running' };
      case 'set_sensitivity':
      case 'set_echo_delay':
      case 'set_par_time':
      case 'set_beep_volume': {
        if (running) return { ok: false, error: 'settings only while the timer is stopped' };
        const n = (key: string) => (typeof cmd.args[key] === 'number' ? (cmd.args[key] as number) : null);
        if (cmd.command === 'set_sensitivity')
          this.timerConfig.sensitivity = n('level') ?? this.timerConfig.sensitivity;
        if (cmd.command === 'set_echo_delay')
          this.timerConfig.echo_delay_cs = n('delay_cs') ?? this.timerConfig.echo_delay_cs;
        if (cmd.command === 'set_beep_volume')
          this.timerConfig.beep_volume = n('volume') ?? this.timerConfig.beep_volume;
        this.status(this.timer, 'timer/status', JSON.stringify(this.timerStatus('connected', isoAt(now))));
        return { ok: true };
      }
      case 'request_string':
      case 'request_settings':
        return { ok: true };
      default:
        return { ok: false, error: `unsupported command ${cmd.command}` };
    }
  }

  private sensorCommand(k: number, cmd: IncomingCommand): CommandReply {
    const sensor = this.sensors[k]!;
    switch (cmd.command) {
      case 'read_battery':
        this.status(
          this.sensorChannels[k]!,
          `sensor/${sensor.id}/status`,
          sensor.statusPayload('connected', isoAt, this.lastNow),
        );
        return { ok: true };
      case 'recalibrate':
      case 'set_rate':
        return { ok: true };
      default:
        return { ok: false, error: `unsupported command ${cmd.command}` };
    }
  }

  /** Schedules the next beep; a later call (a remote start) replaces the pending one. */
  private scheduleBeep(at: number): void {
    const token = ++this.beepToken;
    this.queue.schedule(at, (t) => {
      if (token === this.beepToken) this.beep(t);
    });
  }

  start(now: number): void {
    this.startMs = now;
    for (const sensor of this.sensors) sensor.begin(now);
    this.queue.clear();
    this.queue.schedule(now, (at) => this.publishStatuses(at));
    const first = now + this.timerRng.int(FIRST_STRING_AFTER_MS.min, FIRST_STRING_AFTER_MS.max);
    this.lastNow = now;
    this.scheduleBeep(first);
  }

  tick(now: number): void {
    this.lastNow = now;
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
        connection: online && !s.offlineAt(now) ? 'connected' : 'disconnected',
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
        sensor.statusPayload(sensor.offlineAt(at) ? 'disconnected' : 'connected', isoAt, at),
      );
    });
    this.queue.schedule(at + STATUS_PERIOD_MS, (next) => this.publishStatuses(next));
  }

  /** The beep: plan the whole string, its timer events and the impacts it causes. */
  private beep(at: number): void {
    const slot = matchSlot(this.stringNumber);
    this.stringNumber++;
    const incidents = incidentsAt(slot);
    if (incidents.includes('sensor-dropout')) this.dropOut(at);
    const echoCs = incidents.includes('echo-after-stop')
      ? this.timerRng.int(ECHO_CS.min, ECHO_CS.max)
      : undefined;
    const plan = planString(this.timerRng, this.stringNumber, at, this.previous, SHOTS_PER_STRING, echoCs);
    const style = drawTimerStyle(this.styleRng);
    const planned: PlannedString = { plan, style, hits: [], slot, incidents };
    const start = plan.events[0]!;

    // The echo (a sixth shot the timer recorded after the stop plate) hits nothing.
    plan.shots.slice(0, SHOTS_PER_STRING).forEach((shot, i) => {
      let missed = this.sensors.length === 0 || this.impactRng.chance(MISS_CHANCE);
      if (i === SHOTS_PER_STRING - 1 && incidents.includes('missed-stop-plate')) missed = true;
      if (missed) {
        planned.hits.push(null);
        return;
      }
      const sensor = this.sensors[i % this.sensors.length]!;
      const burst = sensor.planBurst(this.impactRng, at + shot.timeCs * 10);
      planned.hits.push(sensor.plateId);
      const processingMs = this.impactRng.int(1, 5);
      this.queue.schedule(burst.endMs + processingMs, () =>
        this.publishImpact(sensor, burst, start.receivedMs),
      );
    });
    for (const event of plan.events) {
      this.queue.schedule(event.receivedMs, () => this.publishTimerEvent(event, planned));
    }
    this.previous = summarizeString(plan);
    this.runningUntil = plan.stopMs;
    // Between strings and shooters 8–15 s; the squad takes longer to walk to the next stage.
    const between = matchSlot(this.stringNumber).firstOfStage ? BETWEEN_STAGES_MS : BETWEEN_STRINGS_MS;
    let gap = this.timerRng.int(between.min, between.max);
    // With no STOP on the wire, the console ends a string after 30 s without a T0: the next
    // beep must come later than that, or it reads as one more shot.
    if (this.wire === 'pr51') gap = Math.max(gap, PR51_MIN_GAP_MS);
    this.scheduleBeep(plan.stopMs + gap);
  }

  /** A sensor drops off the air for DROPOUT_MS from just after the beep, then comes back. */
  private dropOut(at: number): void {
    if (this.sensors.length === 0) return;
    const k = Math.min(DROPOUT_SENSOR_INDEX, this.sensors.length - 1);
    const sensor = this.sensors[k]!;
    const from = at + 500;
    const to = from + DROPOUT_MS;
    sensor.dropOut(from, to);
    this.c.dropouts++;
    const announce = (t: number, connection: 'connected' | 'disconnected') => {
      this.status(
        this.sensorChannels[k]!,
        `sensor/${sensor.id}/status`,
        sensor.statusPayload(connection, isoAt, t),
      );
      this.status(this.bridge, 'bridge/status', JSON.stringify(this.bridgeStatus(true, t)));
    };
    // The bridge notices a couple of seconds in, and reports the sensor back when it returns.
    this.queue.schedule(from + 2000, (t) => announce(t, 'disconnected'));
    this.queue.schedule(to, (t) => announce(t, 'connected'));
  }

  private publishTimerEvent(event: TimerEvent, planned: PlannedString): void {
    if (this.wire === 'pr51') {
      if (event.type !== 'STOP') {
        this.lastT0Ms = event.receivedMs;
        const payload = {
          event_type: 'T0',
          // The bridge's monotonic clock: nanoseconds since its boot.
          data: {
            source: 'AMG_Commander',
            timestamp_ns: (event.receivedMs - this.ctx.createdMs + 3_600_000) * 1e6,
          },
          timestamp: isoAt(event.receivedMs),
        };
        this.bridge.publish(this.topic('detection/shots'), JSON.stringify(payload), { qos: 1 }, 'timer');
      }
    } else {
      const payload = timerEventPayload(event, planned.style, TIMER_ID, isoAt);
      this.timer.publish(this.topic('timer/events'), JSON.stringify(payload), { qos: 1 }, 'timer');
    }
    this.c.timer_events++;
    this.c.messages++;
    if (event.type === 'SHOT') this.c.shots++;
    if (event.type === 'STOP') {
      this.c.strings++;
      this.c.misses += planned.hits.filter((h) => h === null).length;
      if (planned.incidents.includes('echo-after-stop')) this.c.echoes++;
      if (planned.incidents.includes('missed-stop-plate')) this.c.stop_plate_misses++;
      this.ctx.log(describeString(planned));
    }
  }

  private publishImpact(sensor: Bt50Sensor, burst: BurstPlan, t0ReceivedMs: number): void {
    if (sensor.offlineAt(burst.onsetMs)) {
      // The bridge cannot see a hit on a sensor that is off the air.
      this.c.impacts_lost++;
      return;
    }
    let payload: Record<string, unknown> = impactPayload(burst, t0ReceivedMs, isoAt);
    if (this.wire === 'pr51') {
      const onset = Math.round(burst.onsetMs);
      payload = {
        event_type: 'HIT',
        data: {
          sensor_id: burst.sensorId,
          plate_id: burst.plateId,
          peak_amplitude: burst.peak,
          duration_ms: burst.durationMs,
          rms_amplitude: burst.rms,
          timestamp_ns: (onset - this.ctx.createdMs + 3_600_000) * 1e6,
          t_rel_ms: this.lastT0Ms === null ? null : onset - this.lastT0Ms,
        },
        sensor_id: burst.sensorId,
        timestamp: isoAt(onset),
      };
    }
    this.bridge.publish(this.topic('detection/impacts'), JSON.stringify(payload), { qos: 1 }, 'impact');
    this.c.impacts++;
    this.c.messages++;
  }
}

/**
 * One line per string, e.g. `string 3: 1.92 +0.54 +0.61 +0.48 +0.77 = 4.32 s  hits P1 P2 - P4 P5
 * (1 miss)  [flat/START/s]  Alex Morgan · SC-101 5 To Go 3/5`, plus the scripted incident if any.
 */
export function describeString({ plan, style, hits, slot, incidents }: PlannedString): string {
  const times = plan.shots.map((s, i) =>
    i === 0 ? (s.splitCs / 100).toFixed(2) : `+${(s.splitCs / 100).toFixed(2)}`,
  );
  const last = plan.shots[plan.shots.length - 1];
  const misses = hits.filter((h) => h === null).length;
  const total = last ? (last.timeCs / 100).toFixed(2) : '0.00';
  const hitText = hits.map((h) => h ?? '-').join(' ');
  const styleText = `${style.shape}/${style.startName}/${style.units}`;
  const who = `${slot.shooter.name} · ${slot.stageCode} ${slot.stageName} ${slot.stringNumber}/${slot.stringsPerStage}`;
  const notes = incidents.map((i) =>
    i === 'echo-after-stop'
      ? 'echo recorded after the stop plate'
      : i === 'missed-stop-plate'
        ? 'stop plate missed'
        : 'a sensor drops out for 20 s',
  );
  return (
    `string ${plan.stringNumber}: ${times.join(' ')} = ${total} s  hits ${hitText}` +
    `${misses ? `  (${misses} miss${misses > 1 ? 'es' : ''})` : ''}  [${styleText}]  ${who}` +
    `${notes.length ? `  !! ${notes.join('; ')}` : ''}`
  );
}

export const rangeScenario: ScenarioDefinition = {
  family: 'range',
  name: 'range',
  description: 'range bridge: AMG timer strings, BT50 sensor telemetry with impacts, statuses',
  create: (ctx) => new RangeScenario(ctx),
};

/** Between two strings on the PR51 wire (which has no STOP). */
export const PR51_MIN_GAP_MS = 40_000;

export const leadvilleScenario: ScenarioDefinition = {
  family: 'range',
  name: 'leadville',
  description: "range bridge on LeadVille's own message bus (PR51): T0 per beep and per shot, nested HITs",
  create: (ctx) => new RangeScenario(ctx, 'pr51'),
};
