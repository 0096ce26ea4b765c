/**
 * LeadVille's own clients, unchanged, against the embedded broker: the PR51 message bus (its
 * integration script, the broker self-test and the Bridge's string of T0 markers and HITs) and
 * main's unprefixed Scheme A test publisher. Every message must be accepted with its meaning, and
 * every subscriber the originals run must get back what a plain broker would give it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../helpers/mqtt';
import { api, cleanupServes, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { contract, run, runs, type Contract } from './range-support';
import {
  expectMeaning,
  formatTally,
  loadFixture,
  send,
  type FixtureGroup,
  type FixtureMessage,
  type Tally,
} from './originals-support';

const fixture = loadFixture('leadville');
const group = (name: string): FixtureGroup => fixture.groups.find((g) => g.name === name)!;

let serve: ServeHandle;
let ro: Contract;
const subs: { name: string; client: MqttClient; got: { topic: string; payload: string }[] }[] = [];
const claimed = new Set<number>();
const tally: Tally = { sent: 0, accepted: 0, rejected: 0, unhandled: 0 };

async function play(g: FixtureGroup): Promise<void> {
  const client = await connectMqtt(serve.mqttUrl, { clientId: g.client_id ?? '', clean: true });
  try {
    for (const m of g.messages) {
      const before = await api(serve.httpUrl).stats();
      await send(client, m);
      tally.sent++;
      await expectMeaning(serve.httpUrl, m, claimed);
      const after = await api(serve.httpUrl).stats();
      expect(after.rejects - before.rejects, `${m.topic} rejected: ${m.payload}`).toBe(0);
      if (m.expect.unhandled) {
        expect(after.unhandled - before.unhandled).toBe(1);
        tally.unhandled++;
      } else tally.accepted++;
    }
  } finally {
    await client.endAsync();
  }
}

/** Every subscriber whose filters match a message gets it, byte for byte. */
async function expectRouted(messages: FixtureMessage[]): Promise<void> {
  const matches = (filter: string, topic: string) => {
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  };
  for (const s of subs) {
    const filters = fixture.subscribers!.find((x) => x.name === s.name)!.filters;
    const want = messages.filter((m) => filters.some((f) => matches(f, m.topic)));
    await waitFor(
      () => want.every((m) => s.got.some((g) => g.topic === m.topic && g.payload === m.payload)),
      `${s.name} got ${want.length} message(s)`,
    );
  }
}

beforeAll(async () => {
  serve = await startServe();
  ro = await contract(serve.httpUrl);
  for (const s of fixture.subscribers ?? []) {
    const client = await connectMqtt(serve.mqttUrl, { clientId: '' });
    const got: { topic: string; payload: string }[] = [];
    client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString('utf8') }));
    await client.subscribeAsync(s.filters, { qos: s.qos });
    subs.push({ name: s.name, client, got });
  }
});

afterAll(async () => {
  ro?.close();
  for (const s of subs) await s.client.endAsync().catch(() => undefined);
  await cleanupServes();
  console.log(formatTally('LeadVille', tally));
});

describe('LeadVille originals replayed', () => {
  it('PR51 integration script: nested envelopes, sensor status with the id inside, mqtt/status', async () => {
    const g = group('pr51-integration-script');
    await play(g);
    await expectRouted(g.messages);
    // Its single T0 opened a string that never gets a STOP: the RO closes it.
    const open = (await runs(serve.httpUrl, '?timer=timer')).find((r) => r.state === 'running')!;
    expect(open.opened_by).toBe('timer');
    const closed = await ro.call('run.stop', { run_id: open.run_id, who: 'RO' });
    expect(closed.state).not.toBe('running');
  });

  it('the broker self-test is plain text: routed back to its subscriber, counted unhandled', async () => {
    const g = group('pr51-selftest');
    await play(g);
    await expectRouted(g.messages);
    const rejects = await api(serve.httpUrl).rejects();
    expect(rejects.rejects.some((r) => r.topic === 'leadville/test')).toBe(false);
  });

  it('PR51 Bridge: a T0 per beep and per shot makes one string with its shots and hits', async () => {
    const g = group('pr51-bridge-string');
    await play(g);
    await expectRouted(g.messages);
    const list = await runs(serve.httpUrl, '?timer=timer');
    const open = list.filter((r) => r.state === 'running');
    expect(open).toHaveLength(1);
    const detail = await run(serve.httpUrl, open[0]!.run_id);
    // Beep at 20:34:00.000, T0 markers at +1.850 s and +2.420 s.
    expect(detail.shots.map((s) => s.time_ms)).toEqual([1850, 2420]);
    expect(detail.impacts).toHaveLength(2);
    const stopped = await ro.call('run.stop', { run_id: open[0]!.run_id, who: 'RO' });
    expect(stopped.closed_by).toBe('ro');
    expect(stopped.shot_count).toBe(2);
  });

  it('main Scheme A: unprefixed flat topics, timer START/SHOT, device status', async () => {
    const g = group('main-scheme-a');
    await play(g);
    await expectRouted(g.messages);
    const open = (await runs(serve.httpUrl, '?timer=timer')).filter((r) => r.state === 'running');
    expect(open).toHaveLength(1);
    expect((await run(serve.httpUrl, open[0]!.run_id)).shots.map((s) => s.shot_number)).toEqual([1]);
  });

  it('every message of every original was accepted', () => {
    const total = fixture.groups.reduce((n, g) => n + g.messages.length, 0);
    expect(tally).toEqual({ sent: total, accepted: total - 1, rejected: 0, unhandled: 1 });
  });
});
