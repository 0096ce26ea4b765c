/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by area of the code.
 * Used by `bench/run.ts --profile`; also standalone: `tsx bench/profile.ts FILE.cpuprofile [N]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: { name: string; where: string; ms: number; pct: number }[];
  areas: { area: string; ms: number; pct: number }[];
}

/** Which part of the stack a frame belongs to, for the "where the time goes" table. */
export function areaOf(cf: CallFrame): string {
  const u = cf.url;
  if (!u) {
    if (cf.functionName === '(garbage collector)') return 'GC';
    if (cf.functionName === '(program)') return 'V8/native (program)';
    if (cf.functionName === '(idle)') return 'idle';
    return `native: ${cf.functionName || '(anonymous)'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return nm[1]!;
  const src = /\/(src-main\/[^/]+|src-shared\/[^/]+)\//.exec(u);
  if (src) return src[1]!;
  if (u.startsWith('node:')) {
    const mod = u.slice(5).split('/');
    return `node:${mod[0] === 'internal' ? mod.slice(1, 3).join('/') : mod[0]}`;
  }
  return u
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

/**
 * `window` (CLOCK_MONOTONIC ms, the clock of bench/lib.ts `mono()`, which V8 stamps profiles with
 * on Linux) keeps only the samples taken inside it, e.g. the steady window without start-up.
 */
export function summarizeProfile(file: string, top = 20, window?: [number, number]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = p.startTime / 1000;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    if (window && (t < window[0] || t > window[1])) continue;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, { name: string; where: string; ms: number }>();
  const area = new Map<string, number>();
  for (const [id, ms] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|src-main|src-shared)\//, '$1/');
    const where = cf.url ? `${file}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName}|${where}`;
    const e = fn.get(key) ?? { name: cf.functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    fn.set(key, e);
    const a = areaOf(cf);
    area.set(a, (area.get(a) ?? 0) + ms);
  }
  const pct = (ms: number) => (total ? (100 * ms) / total : 0);
  return {
    totalMs: total,
    idleMs: idle,
    functions: [...fn.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, pct: pct(f.ms) })),
    areas: [...area.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([a, ms]) => ({ area: a, ms, pct: pct(ms) })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`  busy ${(s.totalMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s`];
  lines.push('  self time by area:');
  for (const a of s.areas) lines.push(`    ${a.pct.toFixed(1).padStart(5)} %  ${a.area}`);
  lines.push('  top functions (self time):');
  for (const f of s.functions) lines.push(`    ${f.pct.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(file, Number(n) || 25))}\n`);
}
