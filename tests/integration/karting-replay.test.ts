/**
 * Replays the real karting recordings of ../shared/data/karting (when that folder is present;
 * skipped otherwise, since they may not be copied into this repository): every Apex and RMonitor
 * file through the parsers without a crash or a doubled lap, with the laps an independent count of
 * the raw crossings gives; and one of each through a real `serve` over a real WebSocket and TCP
 * socket, checking that the console sends the feed nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApexFeed, RMonitorFeed, parseLapTime, type KartingEvent } from '../../src-shared/karting';
import { FeedServers, readRecording, type ReplayUnit } from '../../src-main/simulator/scenarios/karting';
import { cleanupServes, getJson, ROOT, startServe, waitFor } from '../helpers/serve';

const DATA = process.env.MARSHAL_KARTING_SAMPLES ?? resolve(ROOT, '../shared/data/karting');
const present = existsSync(join(DATA, 'apex')) && existsSync(join(DATA, 'rmonitor'));
const files = (dir: string) => (present ? readdirSync(join(DATA, dir)).map((f) => join(DATA, dir, f)) : []);

/**
 * Crossings as the raw text shows them: rows whose column the latest grid types `llp` got a time
 * in a message (a message re-sending that cell with another class is still one crossing).
 */
function apexCrossings(units: ReplayUnit[]): number {
  let llp: string | null = null;
  let n = 0;
  for (const u of units) {
    const rows = new Set<string>();
    for (const line of u.data.split('\n')) {
      if (line.startsWith('grid||')) llp = /data-id="c(\d+)" data-type="llp"/.exec(line)?.[1] ?? llp;
      const m = /^r(\d+)c(\d+)\|[^|]*\|(.*)$/.exec(line);
      if (m && llp && m[2] === llp && parseLapTime(m[3]) !== null) rows.add(m[1]!);
    }
    n += rows.size;
  }
  return n;
}

function run(units: ReplayUnit[], feed: ApexFeed | RMonitorFeed): KartingEvent[] {
  const events: KartingEvent[] = [];
  for (const u of units) events.push(...feed.push(u.data, 1_800_000_000_000 + u.at).events);
  return events;
}

afterAll(() => cleanupServes());

describe.skipIf(!present)('the real recordings', () => {
  for (const file of files('apex')) {
    it(`Apex ${file.split('/').at(-1)}`, () => {
      const units = readRecording(readFileSync(file, 'utf8'));
      const feed = new ApexFeed({ circuitId: 'replay' });
      const events = run(units, feed);
      const keys = events.map((e) => e.data.dedup_key);
      expect(new Set(keys).size).toBe(keys.length);
      const laps = events.filter((e) => e.kind === 'lap');
      // Crossings before the first grid have no session to belong to.
      expect(laps.length).toBe(apexCrossings(units));
      for (const l of laps) expect(l.data.lap_ms as number).toBeGreaterThan(0);
    });
  }

  for (const file of files('rmonitor')) {
    it(`RMonitor ${file.split('/').at(-1)}`, () => {
      const units = readRecording(readFileSync(file, 'utf8'));
      const feed = new RMonitorFeed({ circuitId: 'replay' });
      const events = run(units, feed);
      const laps = events.filter((e) => e.kind === 'lap');
      // A passing is one lap however often it is repeated, and never counted twice.
      const pairs = laps.map(
        (l) => `${String(l.data.session_id)}/${String(l.data.row_id)}/${String(l.data.total_ms)}`,
      );
      expect(new Set(pairs).size).toBe(pairs.length);
      const passings = units.filter(
        (u) => /^\$J,/.test(u.data) && !/^\$J,"[^"]*","00:00:00\.000"/.test(u.data),
      ).length;
      expect(laps.length).toBeLessThanOrEqual(passings);
      if (passings > 0) expect(laps.length).toBeGreaterThan(0);
    });
  }

  it('a reset mid-race keeps the last lap times (car 70: 2:25.077)', () => {
    const file = files('rmonitor').find((f) => f.includes('ResetRetainLapTime'));
    if (!file) return;
    const feed = new RMonitorFeed({ circuitId: 'replay' });
    run(readRecording(readFileSync(file, 'utf8')), feed);
    expect(feed.snapshot().entries.find((e) => e.kart === '70')!.last_lap_ms).toBe(145_077);
  });

  it('through a real serve: one Apex and one RMonitor recording, nothing sent upstream', async () => {
    const apexFile = files('apex').find((f) => f.includes('kartland'))!;
    const rmFile = files('rmonitor').find((f) => f.includes('club-race'))!;
    const apexUnits = readRecording(readFileSync(apexFile, 'utf8'));
    const rmUnits = readRecording(readFileSync(rmFile, 'utf8'));
    const servers = await FeedServers.start();
    const serve = await startServe();
    try {
      for (const [id, url] of [
        ['replayApex', servers.wsUrl],
        ['replayRm', servers.tcpUrl],
      ] as const) {
        await fetch(`${serve.httpUrl}/api/circuits/${id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ nom: id, wssUrl: url }),
        });
        await fetch(`${serve.httpUrl}/api/circuits/${id}/start`, { method: 'POST' });
      }
      await waitFor(async () => {
        const s = await getJson<{ collectors: Record<string, { is_connected: boolean }> }>(
          `${serve.httpUrl}/status`,
        );
        return s.body.collectors.replayApex?.is_connected && s.body.collectors.replayRm?.is_connected;
      }, 'both feeds connected');
      for (const u of apexUnits) servers.sendWs(u.data);
      for (let i = 0; i < rmUnits.length; i += 50)
        servers.sendTcp(rmUnits.slice(i, i + 50).map((u) => u.data));
      const expectApex = apexCrossings(apexUnits);
      const count = async (id: string) =>
        (await getJson<{ laps: unknown[] }>(`${serve.httpUrl}/api/laps?circuit=${id}&limit=100000`)).body.laps
          .length;
      await waitFor(async () => (await count('replayApex')) === expectApex, `${expectApex} Apex laps`);
      const rmFeed = new RMonitorFeed({ circuitId: 'x' });
      const expectRm = run(rmUnits, rmFeed).filter((e) => e.kind === 'lap').length;
      await waitFor(async () => (await count('replayRm')) === expectRm, `${expectRm} RMonitor laps`);
      expect(servers.received).toBe(0);
    } finally {
      await servers.close();
    }
  });
});
