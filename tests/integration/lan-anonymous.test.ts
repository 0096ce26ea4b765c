/**
 * `--lan-anonymous whackamole`: the cabinets' agent has no username or password code, so in LAN
 * mode that family is admitted without credentials — still held to its own tree — while every
 * other client keeps needing its credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt, tryConnect } from '../helpers/mqtt';
import { api, cleanupServes, startServe, type ServeHandle } from '../helpers/serve';

let serve: ServeHandle;

beforeAll(async () => {
  serve = await startServe({ args: ['--lan', '--lan-anonymous', 'whackamole'] });
});
afterAll(() => cleanupServes());

describe('--lan-anonymous', () => {
  it('admits a cabinet agent without credentials on its own tree only', async () => {
    const agent = await connectMqtt(serve.mqttUrl, { clientId: 'bridge-a1b2c3d4e5' });
    const granted = await agent.subscribeAsync('whac/a1b2c3d4e5/commands', { qos: 2 });
    expect(granted.map((g) => g.qos)).toEqual([2]);
    await agent.publishAsync(
      'whac/a1b2c3d4e5/state',
      '{"device_id": "a1b2c3d4e5", "ts": 1766070000123, "status": "online"}',
      { qos: 2 },
    );
    const events = await api(serve.httpUrl).waitForEvents(
      { device_id: 'a1b2c3d4e5' },
      (es) => es.length > 0,
      'the state stored',
    );
    expect(events[0]).toMatchObject({ kind: 'device.status', family: 'whackamole' });
    await agent.endAsync();
    // Nothing beyond the family's tree: not everything, not another family's topics.
    for (const filter of ['#', 'leadville/#']) {
      const c = await connectMqtt(serve.mqttUrl, { clientId: '' });
      await expect(c.subscribeAsync(filter, { qos: 0 })).rejects.toThrow();
      c.end(true);
    }
  });

  it('refuses an anonymous publish outside the tree, and what only the console sends', async () => {
    for (const topic of ['leadville/timer/events', 'whac/a1b2c3d4e5/commands']) {
      const c = await connectMqtt(serve.mqttUrl, { clientId: '' });
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(topic, 'S', { qos: 1 });
      // The broker drops a client that publishes where it may not.
      await closed;
      c.end(true);
    }
    const stored = await api(serve.httpUrl).events({ limit: 200 });
    expect(
      stored.filter((e) => e.topic === 'leadville/timer/events' || e.topic.endsWith('/commands')),
    ).toEqual([]);
  });

  it('still refuses a wrong credential', async () => {
    const r = await tryConnect(serve.mqttUrl, { username: 'nobody', password: 'wrong' });
    expect(r.ok).toBe(false);
  });
});
