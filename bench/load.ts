/**
 * The benchmark's device fleet, started by bench/run.ts as its own process so that publishing does not run on the
 * server's event loop. Real MQTT over TCP with mqtt.js, like devices on the range:
 *
 * - design: one connection per sensor, one sample per message at the requested rate (due
 *   messages are sent every tick, with catch-up), plus a timer on its own connection publishing a
 *   SHOT every `shotMs`.
 * - blast: a few connections publishing QoS 1 as fast as the broker acknowledges, with a window of
 *   messages in flight per connection (a minimal raw-socket publisher: mqtt.js would be the
 *   bottleneck), plus the same timer.
 *
 * Each SHOT carries a unique (string_number, shot_number): both survive normalization into the
 * /live event, so run.ts matches what it receives with the send times reported here.
 */
import mqtt, { type MqttClient } from 'mqtt';
import net, { type Socket } from 'node:net';
import { mono, type BlastJob, type DesignJob, type FromLoad, type Progress, type ToLoad } from './lib';

const send = (msg: FromLoad) => process.send?.(msg);

let job: DesignJob | BlastJob | null = null;
const clients: MqttClient[] = [];
const errors: string[] = [];
let sent = 0;
let acked = 0;
const progress: Progress[] = [];
const shots: [number, number][] = [];
let timer: MqttClient | null = null;
let stopped = false;

function note(err: string) {
  if (errors.length < 20) errors.push(err);
}

function connect(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {
      clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
    });
    c.once('connect', () => {
      // Devices flush each message; no Nagle coalescing on the way in.
      (c.stream as unknown as Socket).setNoDelay?.(true);
      resolve(c);
    });
    c.on('error', (err) => {
      note(`${clientId}: ${err.message}`);
      reject(err);
    });
    c.on('close', () => {
      if (!stopped) note(`${clientId}: connection closed during the run`);
    });
  });
}

function sample(seq: number): string {
  // A plausible accelerometer reading: gravity on z plus noise.
  return JSON.stringify({
    seq,
    ts: Date.now(),
    x: Math.round((Math.random() - 0.5) * 2000) / 1000,
    y: Math.round((Math.random() - 0.5) * 2000) / 1000,
    z: Math.round((9.81 + (Math.random() - 0.5) * 0.5) * 1000) / 1000,
  });
}

function publishShot(j: DesignJob | BlastJob, qos: 0 | 1) {
  const n = shots.length + 1;
  const payload = JSON.stringify({
    event_type: 'SHOT',
    timer_id: 'bench-timer',
    string_number: j.stringNumber,
    shot_number: n,
    total_shots: n,
    time_ms: n * j.shotMs,
    split_ms: j.shotMs,
    source: 'bench',
    ts: Date.now(),
  });
  shots.push([n, mono()]);
  sent++;
  if (qos === 0) timer!.publish(`${j.prefix}/timer/events`, payload, { qos });
  else
    timer!.publish(`${j.prefix}/timer/events`, payload, { qos }, (err) => {
      if (err) note(err.message);
      else acked++;
    });
}

/** SHOTs due by `el` ms into the run: one at 0, then every shotMs, none at or after the end. */
function shotsDue(j: DesignJob | BlastJob, el: number): number {
  return Math.min(Math.floor(el / j.shotMs) + 1, Math.ceil(j.durationMs / j.shotMs));
}

let t0 = 0;
let lastTick = 0;
let maxTickGapMs = 0;

function finish() {
  const final: Progress = { t: mono(), sent, acked };
  progress.push(final);
  send({ type: 'done', t0, tEnd: final.t, progress, sent, acked, shots, maxTickGapMs, errors });
}

function runDesign(j: DesignJob) {
  const perSensor = new Array<number>(j.sensors).fill(0);
  const topics = perSensor.map((_, i) => `${j.prefix}/sensor/bench-${i}/telemetry`);
  let nextProgress = t0;
  const tick = () => {
    const now = mono();
    if (lastTick) maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
    lastTick = now;
    const el = now - t0;
    const end = el >= j.durationMs;
    const at = Math.min(el, j.durationMs);
    // The timer first: its own connection, like a real device.
    while (shots.length < shotsDue(j, at)) publishShot(j, j.qos);
    const due = Math.floor((at * j.rateHz) / 1000);
    for (let i = 0; i < j.sensors; i++) {
      const c = clients[i]!;
      while (perSensor[i]! < due) {
        const seq = perSensor[i]!++;
        sent++;
        if (j.qos === 0) c.publish(topics[i]!, sample(seq), { qos: 0 });
        else
          c.publish(topics[i]!, sample(seq), { qos: 1 }, (err) => {
            if (err) note(err.message);
            else acked++;
          });
      }
    }
    if (now >= nextProgress) {
      progress.push({ t: now, sent, acked: j.qos === 0 ? sent : acked });
      nextProgress = now + 250;
    }
    if (end) {
      clearInterval(handle);
      if (j.qos === 0) {
        acked = sent;
        finish();
      } else waitAcks(finish);
    }
  };
  const handle = setInterval(tick, j.tickMs);
  tick();
}

/** Waits (up to 10 s) for every QoS 1 message to be acknowledged. */
function waitAcks(then: () => void) {
  const deadline = mono() + 10_000;
  const poll = () => {
    if (acked >= sent || mono() > deadline) then();
    else setTimeout(poll, 5);
  };
  poll();
}

// ---- full blast: a minimal MQTT 3.1.1 publisher on a raw socket
//
// mqtt.js spends ~15 µs of the generator's CPU per message; on a 2-core machine that, not the
// server, would set the ceiling. These connections encode PUBLISH packets directly and only
// read PUBACKs, so the generator's cost per message is a JSON.stringify and a few buffer copies.

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

class RawPublisher {
  private socket!: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private nextId = 1;
  inflight = 0;

  constructor(
    private readonly url: string,
    private readonly clientId: string,
  ) {}

  connect(): Promise<void> {
    const u = new URL(this.url);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: u.hostname, port: Number(u.port) || 1883, noDelay: true });
      this.socket = sock;
      sock.once('error', reject);
      sock.on('close', () => {
        if (!stopped) note(`${this.clientId}: connection closed during the run`);
      });
      sock.once('connect', () => {
        // CONNECT: protocol "MQTT" level 4, clean session, keepalive 60 s.
        const vh = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60])]);
        const body = Buffer.concat([vh, str(this.clientId)]);
        sock.write(Buffer.concat([Buffer.from([0x10]), varint(body.length), body]));
      });
      let connected = false;
      sock.on('data', (chunk: Buffer) => {
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        if (!connected) {
          if (this.pending.length < 4) return;
          if (this.pending[0] !== 0x20 || this.pending[3] !== 0) {
            reject(
              new Error(`${this.clientId}: CONNACK refused (${this.pending.subarray(0, 4).toString('hex')})`),
            );
            return;
          }
          connected = true;
          this.pending = this.pending.subarray(4);
          resolve();
        }
        this.read();
      });
    });
  }

  /** PUBACKs (0x40 0x02 id id); anything else is skipped by its length. */
  private read() {
    let off = 0;
    const buf = this.pending;
    let acks = 0;
    while (off + 2 <= buf.length) {
      let len = 0;
      let mul = 1;
      let i = off + 1;
      for (; i < buf.length; i++) {
        len += (buf[i]! & 0x7f) * mul;
        mul *= 128;
        if (!(buf[i]! & 0x80)) break;
      }
      if (i >= buf.length || i + 1 + len > buf.length) break;
      if (buf[off] === 0x40) acks++;
      off = i + 1 + len;
    }
    this.pending = off ? buf.subarray(off) : buf;
    if (acks) this.onAcks(acks);
  }

  onAcks: (n: number) => void = () => undefined;

  /** Writes `n` QoS 1 PUBLISH packets in one socket write. */
  publish(items: { topic: string; payload: string }[]) {
    const parts: Buffer[] = [];
    for (const { topic, payload } of items) {
      const t = str(topic);
      const p = Buffer.from(payload, 'utf8');
      const id = this.nextId;
      this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
      parts.push(
        Buffer.from([0x32]),
        varint(t.length + 2 + p.length),
        t,
        Buffer.from([id >> 8, id & 0xff]),
        p,
      );
    }
    this.inflight += items.length;
    this.socket.write(Buffer.concat(parts));
  }

  end() {
    this.socket.end(Buffer.from([0xe0, 0]));
  }
}

const raw: RawPublisher[] = [];

function runBlast(j: BlastJob) {
  let seq = 0;
  let ending = false;
  const topics = Array.from({ length: j.sensors }, (_, i) => `${j.prefix}/sensor/blast-${i}/telemetry`);
  const pump = (c: RawPublisher) => {
    if (ending || c.inflight >= j.window) return;
    const items: { topic: string; payload: string }[] = [];
    while (c.inflight + items.length < j.window) {
      const n = seq++;
      items.push({ topic: topics[n % topics.length]!, payload: sample(n) });
    }
    sent += items.length;
    c.publish(items);
  };
  for (const c of raw) {
    c.onAcks = (n) => {
      c.inflight -= n;
      acked += n;
      pump(c);
    };
    pump(c);
  }
  const sampler = setInterval(() => {
    const now = mono();
    progress.push({ t: now, sent, acked });
    const el = now - t0;
    while (shots.length < shotsDue(j, el)) publishShot(j, 1);
    if (el >= j.durationMs) {
      ending = true;
      clearInterval(sampler);
      waitAcks(finish);
    }
  }, 10);
}

async function prepare(j: DesignJob | BlastJob) {
  if (j.type === 'design') {
    const ids = Array.from({ length: j.sensors }, (_, i) => `bench-sensor-${i}`);
    // Connect in small groups: a burst of CONNECTs is not what is being measured.
    for (let i = 0; i < ids.length; i += 5) {
      clients.push(...(await Promise.all(ids.slice(i, i + 5).map((id) => connect(j.url, id)))));
    }
  } else {
    for (let i = 0; i < j.connections; i++) {
      const c = new RawPublisher(j.url, `bench-blast-${i}`);
      await c.connect();
      raw.push(c);
    }
  }
  timer = await connect(j.url, 'bench-timer');
}

async function stop() {
  stopped = true;
  for (const c of raw) c.end();
  await Promise.all(
    [...clients, ...(timer ? [timer] : [])].map((c) => c.endAsync(true).catch(() => undefined)),
  );
  process.exit(0);
}

process.on('message', (msg: ToLoad) => {
  if (msg.type === 'design' || msg.type === 'blast') {
    job = msg;
    prepare(msg).then(
      () => send({ type: 'ready' }),
      (err: Error) => send({ type: 'error', message: `connect: ${err.message}` }),
    );
  } else if (msg.type === 'go' && job) {
    t0 = mono();
    progress.push({ t: t0, sent: 0, acked: 0 });
    if (job.type === 'design') runDesign(job);
    else runBlast(job);
  } else if (msg.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
