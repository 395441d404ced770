import fs from 'node:fs';
import path from 'node:path';
import { table } from './stats.js';

/**
 * Summarises V8 .cpuprofile files (written by `node --cpu-prof`): self time by package / source file and by
 * function, so a benchmark can say where a process's CPU went.
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function bucket(url: string): string {
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node: core';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1).replace(/^file:\/\//, '') : path.basename(url);
}

export function summariseCpuProfiles(dir: string, perOrderOf?: number): string {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) return `no .cpuprofile in ${dir}`;
  const byBucket = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Profile;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
    for (const [id, us] of self) {
      const n = nodes.get(id)!;
      const fn = n.callFrame.functionName || '(anonymous)';
      if (fn === '(idle)' || fn === '(program)') {
        if (fn === '(idle)') idle += us;
        else total += us;
        if (fn === '(idle)') continue;
      } else total += us;
      const b = fn === '(garbage collector)' ? '(garbage collector)' : bucket(n.callFrame.url);
      byBucket.set(b, (byBucket.get(b) ?? 0) + us);
      const key = `${fn} ${bucket(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      byFn.set(key, (byFn.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1)}%`;
  const per = (us: number): string => (perOrderOf ? (us / 1000 / perOrderOf).toFixed(3) : '–');
  const top = (m: Map<string, number>, n: number): string[][] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, pct(us), per(us)]);
  return [
    `${files.length} profile(s): ${(total / 1e6).toFixed(1)} s on CPU, ${(idle / 1e6).toFixed(1)} s idle`,
    '',
    table(['self time by package / file', 'share', 'ms per order'], top(byBucket, 25)),
    '',
    table(['self time by function', 'share', 'ms per order'], top(byFn, 30).map((r) => [r[0]!.replace(/\|/g, '\\|'), r[1]!, r[2]!])),
  ].join('\n');
}
