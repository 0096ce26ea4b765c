import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from './run';

/** End to end through a real (in-process) MQTT broker. */
describe('runScenario against an MQTT broker', () => {
  let broker: Aedes;
  let server: Server;
  let url = '';

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('publishes the range tree, stops cleanly and reports counters', async () => {
    const sub = await mqtt.connectAsync(url, { clientId: 'test-sub' });
    const received = new Map<string, number>();
    sub.on('message', (topic) => received.set(topic, (received.get(topic) ?? 0) + 1));
    await sub.subscribeAsync('leadville/#', { qos: 1 });
    const clients: string[] = [];
    broker.on('client', (c) => clients.push(c.id));

    const lines: string[] = [];
    const sim = await runScenario({
      brokerUrl: url,
      seed: 5,
      rateHz: 100,
      sensors: 3,
      durationS: 1.5,
      log: (l) => lines.push(l),
    });
    expect(sim.seed).toBe(5);
    expect(sim.brokerUrl).toBe(url);
    await sim.done;
    const stats = sim.stats();
    expect(stats.running).toBe(false);
    expect(stats.channels.clients).toBe(5); // bridge, timer, 3 sensors
    expect(stats.channels.errors).toBe(0);
    expect(stats.channels.qos1Pending).toBe(0);
    // ~1.5 s × 100 Hz × 3 sensors of samples.
    expect(stats.scenarioCounters.samples).toBeGreaterThan(400);
    expect(stats.published).toBe(stats.scenarioCounters.messages);
    expect(clients.filter((id) => id.startsWith('sim-')).length).toBe(5);
    for (const id of clients.filter((x) => x.startsWith('sim-'))) expect(id.length).toBeLessThanOrEqual(23);

    await new Promise((r) => setTimeout(r, 200));
    await sub.endAsync();
    expect(received.get('leadville/bridge/status')).toBeGreaterThanOrEqual(2); // running, then offline
    expect(received.get('leadville/sensor/bt50-01/telemetry')).toBeGreaterThan(100);
    expect(received.get('leadville/sensor/bt50-02/telemetry')).toBeGreaterThan(10);
    expect(received.get('leadville/sensor/bt50-03/telemetry')).toBeGreaterThan(25);
    // stop() again is a no-op.
    await sim.stop();
  });

  it('fails fast when the broker is unreachable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      runScenario({ brokerUrl: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 500, log: () => undefined }),
    ).rejects.toThrow(/could not connect/);
  });
});
