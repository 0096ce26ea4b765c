/**
 * `npm run simulate -- --scenario karting` and `--replay FILE`: the CLI prints its feed URLs and
 * serves an Apex-style WebSocket feed and an RMonitor TCP feed that speak first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTempDir, removeDir, ROOT, waitFor } from '../helpers/serve';

const procs: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

function simulate(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/simulator/cli.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(p);
  let out = '';
  p.stdout!.on('data', (d) => (out += String(d)));
  const url = (label: string) =>
    waitFor(() => new RegExp(`^karting ${label}: (\\S+)$`, 'm').exec(out)?.[1], `the ${label} URL`);
  const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
  return { p, url, exited, out: () => out };
}

function firstWsMessage(url: string): Promise<string> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url);
    ws.once('message', (d) => {
      res(String(d));
      ws.close();
    });
    ws.once('error', rej);
  });
}

function tcpLines(url: string, want: number): Promise<string[]> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const s = connect(Number(u.port), u.hostname);
    let buf = '';
    s.on('data', (d) => {
      buf += String(d);
      const lines = buf.split('\r\n').filter(Boolean);
      if (lines.length >= want) {
        s.destroy();
        res(lines);
      }
    });
    s.once('error', rej);
  });
}

describe('karting simulator', () => {
  it('serves a race over WebSocket and TCP and prints both URLs', async () => {
    const sim = simulate(['--scenario', 'karting', '--speed', '20', '--duration', '20', '--seed', '7']);
    const ws = await sim.url('apex');
    const tcp = await sim.url('rmonitor');
    const init = await firstWsMessage(ws);
    expect(init).toMatch(/^init\|r\|/);
    expect(init).toMatch(/grid\|\|<tbody>/);
    const lines = await tcpLines(tcp, 5);
    expect(lines[0]).toMatch(/^\$B,/);
    expect(lines.some((l) => l.startsWith('$A,'))).toBe(true);
    sim.p.kill('SIGINT');
    expect(await sim.exited).toBe(0);
  });

  it('replays a recording in order at the asked speed', async () => {
    const dir = makeTempDir('marshal-replay-');
    dirs.push(dir);
    const file = join(dir, 'mini.jsonl');
    writeFileSync(
      file,
      [
        '{"v": 1, "circuit_url": "x", "ws_port": 1, "name": "mini", "started_at": "2026-01-01T00:00:00+00:00"}',
        '{"t": 0.1, "msg": "init|r|\\ngrid||<tbody><tr data-id=\\"r0\\"><td data-id=\\"c1\\" data-type=\\"llp\\">Last</td></tr></tbody>\\n"}',
        '{"t": 1.1, "msg": "r1c1|tn|59.100\\n"}',
        '{"t": 2.1, "msg": "r1c1|tn|58.900\\n"}',
      ].join('\n'),
    );
    // At 1× the first crossing comes a second after start: time enough for the client to join.
    const sim = simulate(['--replay', file, '--speed', '1']);
    const ws = await sim.url('apex');
    const got: string[] = [];
    const client = new WebSocket(ws);
    client.on('message', (d) => got.push(String(d)));
    await waitFor(() => got.some((m) => m.includes('58.900')), 'the last message');
    expect(got.filter((m) => m.includes('|tn|')).map((m) => m.trim())).toEqual([
      'r1c1|tn|59.100',
      'r1c1|tn|58.900',
    ]);
    client.close();
    expect(await sim.exited).toBe(0);
  });
});
