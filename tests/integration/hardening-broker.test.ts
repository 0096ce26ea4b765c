/**
 * Attacks on the embedded broker and what must hold against them: a subscriber that stops
 * reading, oversized and too-deep publishes, a credential using another device's client id, the
 * LAN asking for client ids, wrong-password floods, devices dropping off; and MQTT 3.1.1's own
 * rules (zero-length client ids, retained messages, wills, offline queueing, redelivery,
 * overlapping subscriptions, keepalive) through real clients.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { CredentialStore } from '../../src-main/broker/credentials';
import {
  api,
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { connectMqtt, tryConnect } from '../helpers/mqtt';
import { RawClient, publishHeader } from '../helpers/raw-mqtt';

interface DevicesBody {
  devices: { device_id: string; family: string; online: boolean }[];
}
interface HealthGuards {
  broker: { guards?: Record<string, number> };
  ingest: { rejects_by_reason: Record<string, number>; seq_gaps?: { gaps: number; missing: number } };
}

const dirs: string[] = [];
afterAll(async () => {
  await cleanupServes();
  for (const d of dirs) removeDir(d);
});

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Every message of `client` on `topic` from now on. */
function collect(client: MqttClient, topic: string) {
  const got: { payload: string; retain: boolean; qos: number; dup: boolean }[] = [];
  client.on('message', (t, payload, packet) => {
    if (t === topic)
      got.push({ payload: payload.toString(), retain: packet.retain, qos: packet.qos, dup: packet.dup });
  });
  return got;
}

async function rssKb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function device(httpUrl: string, id: string) {
  const r = await getJson<DevicesBody>(`${httpUrl}/api/devices`);
  return r.body.devices.find((d) => d.device_id === id);
}

describe('embedded broker, loopback', () => {
  let serve: ServeHandle;
  let url: string;
  let port: number;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    // 4 MiB payloads allowed: a stalled subscriber may then queue 16 MiB before it is dropped.
    serve = await startServe({ args: ['--max-payload-bytes', String(4 * 1024 * 1024)] });
    url = serve.mqttUrl;
    port = portOf(url);
    http = api(serve.httpUrl);
  });

  it('a subscriber to # that stops reading costs only itself: every publish is acknowledged while it stays connected', async () => {
    const { client: stalled, returnCode } = await RawClient.connect(port, {
      clientId: 'hb-stalled',
      keepalive: 0,
    });
    expect(returnCode).toBe(0);
    expect(await stalled.subscribe('#', 1)).toBe(1);
    stalled.socket.pause();

    // More than the kernel can hold for the stalled socket (its send buffer's maximum plus what a
    // reader that never read advertised), well under the broker's own 16 MiB per subscriber.
    const wmemMax = Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]);
    const total = wmemMax + 6 * 1024 * 1024;
    const size = 4096;
    const count = Math.ceil(total / size);
    const pub = await connectMqtt(url, { clientId: 'hb-stall-pub' });
    const payload = Buffer.alloc(size, 0x61);
    let acked = 0;
    const window = 50;
    let next = 0;
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < count) {
          next++;
          await pub.publishAsync('hb/stall/x', payload, { qos: 1 });
          acked++;
        }
      }),
    );
    expect(acked).toBe(count);
    // aedes used to hold every publish until the stalled socket drained, then dropped it after
    // its drain timeout: by the time the publisher was through, the subscriber was gone. (A paused
    // socket does not notice being closed, so ask the broker.)
    const connected = async () =>
      (await getJson<{ clients: { client_id: string }[] }>(`${serve.httpUrl}/api/clients`)).body.clients.some(
        (c) => c.client_id === 'hb-stalled',
      );
    expect(await connected()).toBe(true);

    // Past the per-subscriber cap it is disconnected, and that shows in health.
    const more = Math.ceil((96 * 1024 * 1024) / size);
    for (let i = 0; i < more && (await connected()); i += 20 * window) {
      for (let j = 0; j < 20; j++) {
        await Promise.all(
          Array.from({ length: window }, () => pub.publishAsync('hb/stall/x', payload, { qos: 1 })),
        );
      }
    }
    await waitFor(async () => !(await connected()), 'the stalled subscriber to be dropped');
    stalled.destroy();
    const h = (await http.health()).body as unknown as HealthGuards;
    expect(h.broker.guards?.slow_subscribers_dropped).toBeGreaterThanOrEqual(1);
    pub.end(true);
  });

  it('an oversized retained publish is refused by the broker: acknowledged, kept as a reject, never retained or served', async () => {
    const pub = await connectMqtt(url, { clientId: 'hb-big-pub' });
    const topic = 'leadville/sensor/hb-big/status';
    // Just over the payload limit but within the packet cap: read, then refused.
    await pub.publishAsync(topic, Buffer.alloc(4 * 1024 * 1024 + 10, 0x7b), { qos: 1, retain: true });
    await waitFor(
      async () => (await http.rejects(20)).rejects.find((r) => r.topic === topic),
      'its reject row',
    );

    // Far over the cap: announced by the header, streamed, never buffered.
    const before = await rssKb(serve.pid);
    const raw = await RawClient.connect(port, { clientId: 'hb-huge' });
    const hugeTopic = 'leadville/sensor/hb-huge/status';
    const hugeSize = 64 * 1024 * 1024;
    raw.client.socket.write(publishHeader(hugeTopic, hugeSize, 1, 7, true));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    for (let sent = 0; sent < hugeSize; sent += chunk.length) {
      if (!raw.client.socket.write(chunk)) await new Promise((r) => raw.client.socket.once('drain', r));
    }
    const ack = await raw.client.next((p) => p.type === 4, 'PUBACK of the 64 MiB publish');
    expect(ack.body.readUInt16BE(0)).toBe(7);
    const after = await rssKb(serve.pid);
    expect(after - before).toBeLessThan(32 * 1024);
    const rejects = (await http.rejects(20)).rejects;
    expect(rejects.find((r) => r.topic === hugeTopic)?.reason).toMatch(/67108864|exceeds/);
    raw.client.destroy();

    // A late subscriber gets no retained message on either topic: the next thing it sees is a
    // live one published after its SUBACK.
    const sub = await connectMqtt(url, { clientId: 'hb-big-sub' });
    const got = collect(sub, topic);
    const gotHuge = collect(sub, hugeTopic);
    await sub.subscribeAsync([topic, hugeTopic], { qos: 1 });
    await pub.publishAsync(topic, '{"marker":1}', { qos: 1 });
    await pub.publishAsync(hugeTopic, '{"marker":2}', { qos: 1 });
    await waitFor(() => got.length >= 1 && gotHuge.length >= 1, 'the markers');
    expect(got[0]).toMatchObject({ payload: '{"marker":1}', retain: false });
    expect(gotHuge[0]).toMatchObject({ payload: '{"marker":2}', retain: false });
    const h = (await http.health()).body as unknown as HealthGuards;
    expect(h.ingest.rejects_by_reason.too_large).toBeGreaterThanOrEqual(2);
    pub.end(true);
    sub.end(true);
  });

  it('a topic with more than 100 levels is a counted reject; the client stays connected', async () => {
    const pub = await connectMqtt(url, { clientId: 'hb-deep' });
    let closed = false;
    pub.on('close', () => (closed = true));
    const topic = Array.from({ length: 150 }, (_, i) => `l${i}`).join('/');
    await pub.publishAsync(topic, '{"x":1}', { qos: 1 });
    // QoS 2 runs its whole flow (PUBREC, PUBREL, PUBCOMP) for a refused message too.
    await pub.publishAsync(`${topic}/q2`, '{"x":2}', { qos: 2 });
    // A subscription that deep fails on its own (0x80) beside one that works.
    // (mqtt.js reports a SUBACK with a failure as an error carrying the packet.)
    const granted = await pub
      .subscribeAsync({ [`${topic}/#`]: { qos: 1 }, 'hb/after-deep': { qos: 1 } })
      .then(
        (g) => g.map((x) => x.qos),
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
    expect(granted).toEqual([128, 1]);
    await pub.publishAsync('hb/after-deep', 'still here', { qos: 1 });
    expect(closed).toBe(false);
    const rows = (await http.rejects(20)).rejects;
    expect(rows.find((r) => r.topic === topic)?.reason).toMatch(/150 levels/);
    expect(rows.find((r) => r.topic === `${topic}/q2`)?.reason).toMatch(/151 levels/);
    expect(rows.find((r) => r.topic === `${topic}/#`)?.reason).toMatch(/subscription filter has 151 levels/);
    const h = (await http.health()).body as unknown as HealthGuards;
    expect(h.ingest.rejects_by_reason.topic_too_deep).toBe(3);
    expect(h.broker.guards?.subscriptions_refused).toBe(1);
    pub.end(true);
  });

  it('a device without a will shows offline within 1.5 × its keepalive once it goes silent', async () => {
    const { client, returnCode } = await RawClient.connect(port, { clientId: 'gw-silent', keepalive: 1 });
    expect(returnCode).toBe(0);
    const body = Buffer.from(
      JSON.stringify({ status: 'ONLINE', online: true, timestamp: Date.now() / 1000, metadata: {} }),
    );
    client.socket.write(Buffer.concat([publishHeader('devices/gw-silent/status', body.length, 0), body]));
    await waitFor(async () => (await device(serve.httpUrl, 'gw-silent'))?.online, 'gw-silent online');
    // No PINGREQ from here on: the broker ends the session after 1.5 s; the registry follows.
    await client.waitClosed('the broker to close the silent client');
    await waitFor(
      async () => (await device(serve.httpUrl, 'gw-silent'))?.online === false,
      'gw-silent offline',
    );
  });

  it('a clean disconnect shows offline at once', async () => {
    const c = await connectMqtt(url, { clientId: 'gw-clean' });
    await c.publishAsync(
      'devices/gw-clean/status',
      JSON.stringify({ status: 'ONLINE', online: true, timestamp: Date.now() / 1000, metadata: {} }),
      { qos: 1 },
    );
    await waitFor(async () => (await device(serve.httpUrl, 'gw-clean'))?.online, 'gw-clean online');
    await c.endAsync();
    await waitFor(
      async () => (await device(serve.httpUrl, 'gw-clean'))?.online === false,
      'gw-clean offline',
    );
  });

  it('counts telemetry sequence gaps and shows the latest', async () => {
    const pub = await connectMqtt(url, { clientId: 'hb-seq' });
    const send = (seq: number) =>
      pub.publishAsync(
        'leadville/sensor/hb-seq/telemetry',
        JSON.stringify({ seq, ts: Date.now() / 1000, x: 0.1, y: 0.2, z: 0.3 }),
        { qos: 1 },
      );
    for (const seq of [1, 2, 3, 7, 8, 8, 5]) await send(seq);
    const h = await waitFor(async () => {
      const b = (await http.health()).body as unknown as HealthGuards & {
        ingest: {
          seq_gaps?: { recent: { sensor_id: string; after: number; got: number; missing: number }[] };
        };
      };
      return b.ingest.seq_gaps?.recent.some((g) => g.sensor_id === 'hb-seq') ? b : undefined;
    }, 'the gap in health');
    const gap = h.ingest.seq_gaps!.recent.find((g) => g.sensor_id === 'hb-seq')!;
    // 4, 5 and 6 never came; the repeated 8 and the late 5 are no gap.
    expect(gap).toMatchObject({ after: 3, got: 7, missing: 3 });
    expect((await http.stats()) as unknown as { seq_missing: number }).toMatchObject({ seq_missing: 3 });
    pub.end(true);
  });
});

describe('MQTT 3.1.1 rules through real clients', () => {
  let url: string;
  let port: number;

  beforeAll(async () => {
    const serve = await startServe();
    url = serve.mqttUrl;
    port = portOf(url);
  });

  it('zero-length client id: refused with 0x02 without clean session (MQTT-3.1.3-8), accepted with it', async () => {
    const persistent = await RawClient.connect(port, { clientId: '', clean: false });
    expect(persistent.returnCode).toBe(2);
    await persistent.client.waitClosed('the refused connection to close');

    const clean = await RawClient.connect(port, { clientId: '', clean: true });
    expect(clean.returnCode).toBe(0);
    clean.client.disconnect();

    // mqtt.js with an empty id and clean session (paho 1.6 does this) can publish and subscribe.
    const c = await connectMqtt(url, { clientId: '', clean: true });
    const got = collect(c, 'hb/zero');
    await c.subscribeAsync('hb/zero', { qos: 1 });
    await c.publishAsync('hb/zero', 'hello', { qos: 1 });
    await waitFor(() => got.length === 1, 'its own message');
    c.end(true);
  });

  it('retained: a late subscriber gets the last one flagged retained; an empty retained publish clears it', async () => {
    const pub = await connectMqtt(url, { clientId: 'hb-ret-pub' });
    await pub.publishAsync('hb/ret/a', 'first', { qos: 1, retain: true });
    await pub.publishAsync('hb/ret/a', 'second', { qos: 1, retain: true });
    const sub = await connectMqtt(url, { clientId: 'hb-ret-sub' });
    const got = collect(sub, 'hb/ret/a');
    await sub.subscribeAsync('hb/ret/#', { qos: 1 });
    await waitFor(() => got.length === 1, 'the retained message');
    expect(got[0]).toMatchObject({ payload: 'second', retain: true });
    // A live copy to a subscriber that is already there is not flagged retained (MQTT-3.3.1-9).
    await pub.publishAsync('hb/ret/a', 'third', { qos: 1, retain: true });
    await waitFor(() => got.length === 2, 'the live copy');
    expect(got[1]).toMatchObject({ payload: 'third', retain: false });
    sub.end(true);

    await pub.publishAsync('hb/ret/a', '', { qos: 1, retain: true });
    const late = await connectMqtt(url, { clientId: 'hb-ret-late' });
    const after = collect(late, 'hb/ret/a');
    await late.subscribeAsync('hb/ret/a', { qos: 1 });
    await pub.publishAsync('hb/ret/a', 'live', { qos: 1 });
    await waitFor(() => after.length >= 1, 'the live marker');
    expect(after[0]).toMatchObject({ payload: 'live', retain: false });
    late.end(true);
    pub.end(true);
  });

  it('wills: published when the connection is lost or the keepalive runs out, not on a clean DISCONNECT', async () => {
    const watcher = await connectMqtt(url, { clientId: 'hb-will-watch' });
    const wills = collect(watcher, 'hb/will');
    await watcher.subscribeAsync('hb/will', { qos: 1 });

    const lost = await RawClient.connect(port, {
      clientId: 'hb-will-lost',
      will: { topic: 'hb/will', payload: 'lost', qos: 1 },
    });
    lost.client.destroy();
    await waitFor(() => wills.some((w) => w.payload === 'lost'), 'the will of a lost connection');

    const silent = await RawClient.connect(port, {
      clientId: 'hb-will-silent',
      keepalive: 1,
      will: { topic: 'hb/will', payload: 'silent', qos: 1 },
    });
    await silent.client.waitClosed('the keepalive to run out');
    await waitFor(() => wills.some((w) => w.payload === 'silent'), 'the will after the keepalive');

    const polite = await RawClient.connect(port, {
      clientId: 'hb-will-polite',
      will: { topic: 'hb/will', payload: 'polite', qos: 1 },
    });
    polite.client.disconnect();
    await polite.client.waitClosed('the clean disconnect');

    const marker = await connectMqtt(url, { clientId: 'hb-will-marker' });
    await marker.publishAsync('hb/will', 'marker', { qos: 1 });
    await waitFor(() => wills.some((w) => w.payload === 'marker'), 'the marker');
    expect(wills.map((w) => w.payload)).not.toContain('polite');
    marker.end(true);
    watcher.end(true);
  });

  it('a persistent session queues QoS 1 while away and gets it on return, with session present', async () => {
    const first = await connectMqtt(url, { clientId: 'hb-offq', clean: false });
    await first.subscribeAsync('hb/offq', { qos: 1 });
    await first.endAsync();
    const pub = await connectMqtt(url, { clientId: 'hb-offq-pub' });
    for (const m of ['m1', 'm2', 'm3']) await pub.publishAsync('hb/offq', m, { qos: 1 });
    const back = await RawClient.connect(port, { clientId: 'hb-offq', clean: false });
    expect(back.returnCode).toBe(0);
    expect(back.sessionPresent).toBe(true);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await back.client.nextPublish(`queued message ${i + 1}`);
      got.push(p.payload.toString());
      back.client.puback(p.messageId!);
    }
    expect(got).toEqual(['m1', 'm2', 'm3']);
    back.client.disconnect();
    // A clean session throws the state away: nothing comes back.
    const clean = await RawClient.connect(port, { clientId: 'hb-offq', clean: true });
    expect(clean.sessionPresent).toBe(false);
    clean.client.disconnect();
    pub.end(true);
  });

  it('an unacknowledged QoS 1 message is sent again, flagged DUP, when the session resumes', async () => {
    const a = await RawClient.connect(port, { clientId: 'hb-redeliver', clean: false });
    expect(await a.client.subscribe('hb/redeliver', 1)).toBe(1);
    const pub = await connectMqtt(url, { clientId: 'hb-redeliver-pub' });
    await pub.publishAsync('hb/redeliver', 'once', { qos: 1 });
    const p1 = await a.client.nextPublish();
    expect(p1).toMatchObject({ qos: 1, dup: false });
    a.client.destroy(); // no PUBACK
    const b = await RawClient.connect(port, { clientId: 'hb-redeliver', clean: false });
    expect(b.sessionPresent).toBe(true);
    const p2 = await b.client.nextPublish('the redelivery');
    expect(p2).toMatchObject({ topic: 'hb/redeliver', qos: 1, dup: true, messageId: p1.messageId });
    expect(p2.payload.toString()).toBe('once');
    b.client.puback(p2.messageId!);
    b.client.disconnect();
    pub.end(true);
  });

  it('overlapping subscriptions: delivered once at the highest QoS, or once per subscription', async () => {
    const sub = await connectMqtt(url, { clientId: 'hb-overlap' });
    const got = collect(sub, 'hb/ov/a');
    await sub.subscribeAsync({ 'hb/ov/#': { qos: 2 }, 'hb/ov/+': { qos: 1 } });
    const pub = await connectMqtt(url, { clientId: 'hb-overlap-pub' });
    await pub.publishAsync('hb/ov/a', 'x', { qos: 2 });
    await pub.publishAsync('hb/ov/a', 'marker', { qos: 0 });
    await waitFor(() => got.some((g) => g.payload === 'marker'), 'the marker');
    const copies = got.filter((g) => g.payload === 'x');
    if (copies.length === 1) expect(copies[0]!.qos).toBe(2);
    else expect(copies.map((c) => c.qos).sort()).toEqual([1, 2]);
    sub.end(true);
    pub.end(true);
  });
});

describe('LAN mode: client ids bound to credentials', () => {
  let serve: ServeHandle;
  let url: string;
  let dataDir: string;
  const pw: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = makeTempDir('marshal-hb-lan-');
    dirs.push(dataDir);
    const creds = new CredentialStore(dataDir);
    for (const id of ['cab-1', 'cab-2', 'cab']) pw[id] = creds.add('whackamole', id);
    pw['mash-7'] = creds.add('gateway', 'mash-7');
    serve = await startServe({ dataDir, args: ['--lan'] });
    url = `mqtt://127.0.0.1:${portOf(serve.mqttUrl)}`;
  });

  it("a credential cannot use another device's client id, so the other device's session survives", async () => {
    const victim = await connectMqtt(url, {
      clientId: 'cab-1-main',
      clean: false,
      username: 'cab-1',
      password: pw['cab-1'],
    });
    let victimClosed = false;
    victim.on('close', () => (victimClosed = true));
    await victim.subscribeAsync('whackamole/cab-1/command', { qos: 1 });

    for (const [user, id] of [
      ['cab-2', 'cab-1-main'],
      // "cab" is a whole part of "cab-1-main", but cab-1 is the longer match: it is cab-1's.
      ['cab', 'cab-1-main'],
      ['cab-2', 'cab-1'],
    ] as const) {
      const r = await tryConnect(url, { clientId: id, clean: true, username: user, password: pw[user] });
      expect(r.ok, `${user} as ${id}`).toBe(false);
      expect(r.error?.code, `${user} as ${id}`).toBe(2);
    }
    expect(victimClosed).toBe(false);

    // Ids that are the device's own: the id itself, or with parts around it.
    for (const [user, id] of [
      ['cab-2', 'cab-2'],
      ['cab-2', 'it-cab-2-0'],
      ['cab', 'cab-9'],
      ['mash-7', 'mash_iot_mash-7'],
    ] as const) {
      const r = await tryConnect(url, { clientId: id, username: user, password: pw[user] });
      expect(r.ok, `${user} as ${id}`).toBe(true);
    }
    victim.end(true);
  });

  it('/api/clients from the LAN does not hand out other clients ids; loopback and the token see them', async () => {
    const holder = await connectMqtt(url, {
      clientId: 'cab-2-held',
      username: 'cab-2',
      password: pw['cab-2'],
    });
    const local = await getJson<{ clients: { client_id: string }[] }>(`${serve.httpUrl}/api/clients`);
    expect(local.body.clients.map((c) => c.client_id)).toContain('cab-2-held');

    const lanIp = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (lanIp) {
      const lanUrl = `http://${lanIp}:${new URL(serve.httpUrl).port}/api/clients`;
      const r = await getJson<{ clients: { client_id: string }[]; hidden?: number }>(lanUrl);
      expect(r.status).toBe(200);
      expect(r.body.clients.map((c) => c.client_id)).not.toContain('cab-2-held');
      expect(r.body.hidden).toBeGreaterThanOrEqual(1);
      const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
      const withToken = await fetch(lanUrl, { headers: { authorization: `Bearer ${token}` } });
      const body = (await withToken.json()) as { clients: { client_id: string }[] };
      expect(body.clients.map((c) => c.client_id)).toContain('cab-2-held');
    }
    holder.end(true);
  });
});

describe('LAN mode: wrong-password floods', () => {
  it('are throttled per address and username without checking passwords; the right password waits too', async () => {
    const dataDir = makeTempDir('marshal-hb-flood-');
    dirs.push(dataDir);
    const pw = new CredentialStore(dataDir).add('whackamole', 'cab-f');
    const serve = await startServe({ dataDir, args: ['--lan'] });
    const url = `mqtt://127.0.0.1:${portOf(serve.mqttUrl)}`;
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        tryConnect(url, { clientId: `cab-f-${i}`, username: 'cab-f', password: 'wrong' }).then(
          (r) => r.error?.code,
        ),
      ),
    );
    expect(codes.filter((c) => c === 4).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 5).length).toBeGreaterThan(0);
    // Throttled: refused before the password is looked at.
    const right = await tryConnect(url, { clientId: 'cab-f-ok', username: 'cab-f', password: pw });
    expect(right.ok).toBe(false);
    expect(right.error?.code).toBe(5);
    const h = (await api(serve.httpUrl).health()).body as unknown as HealthGuards;
    expect(h.broker.guards?.connects_throttled).toBeGreaterThan(0);
    expect(h.broker.guards?.auth_failures).toBeGreaterThan(0);
  });
});
