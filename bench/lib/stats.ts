import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { ROOT } from './tandem.js';

/** Latency samples in milliseconds, with percentiles. */
export class Latencies {
  private samples: number[] = [];
  private sorted = true;

  add(ms: number): void {
    this.samples.push(ms);
    this.sorted = false;
  }

  get count(): number {
    return this.samples.length;
  }

  /** The q-quantile (0..1), nearest rank; NaN when empty. */
  q(q: number): number {
    if (this.samples.length === 0) return Number.NaN;
    if (!this.sorted) {
      this.samples.sort((a, b) => a - b);
      this.sorted = true;
    }
    const i = Math.min(this.samples.length - 1, Math.max(0, Math.ceil(q * this.samples.length) - 1));
    return this.samples[i]!;
  }

  max(): number {
    return this.q(1);
  }
}

export const ms = (v: number): string => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process used; with `children`, also its reaped children's. */
function cpuOf(pid: number, children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
  } catch {
    return 0;
  }
}

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const total = line.reduce((s, v) => s + v, 0);
  return { busy: total - idle, total };
}

export interface CpuUse {
  /** CPU seconds per process group over the interval. */
  seconds: Record<string, number>;
  /** The whole machine: busy CPU seconds, and what our groups do not explain (other programs). */
  machineBusy: number;
  others: number;
  wall: number;
}

/**
 * Samples CPU time of process groups (Tandem processes, the PostgreSQL server with its backends, this load
 * generator) and of the whole machine, so a run can say where the CPU went and whether something else was running.
 */
export class CpuMeter {
  private start = new Map<string, number>();
  private startMachine = machineTicks();
  private startWall = performance.now();

  constructor(private groups: () => Record<string, { pids: number[]; children?: boolean; descendants?: number }>) {
    this.reset();
  }

  private read(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, g] of Object.entries(this.groups())) {
      let s = 0;
      for (const pid of g.pids) {
        s += cpuOf(pid, g.children);
        if (g.descendants !== undefined) for (const c of childrenOf(pid)) s += cpuOf(c);
      }
      out.set(name, s);
    }
    return out;
  }

  reset(): void {
    this.start = this.read();
    this.startMachine = machineTicks();
    this.startWall = performance.now();
  }

  /** CPU used since the last reset. */
  used(): CpuUse {
    const now = this.read();
    const m = machineTicks();
    const seconds: Record<string, number> = {};
    for (const [k, v] of now) seconds[k] = Math.max(0, v - (this.start.get(k) ?? 0));
    const cpus = os.cpus().length;
    const wall = (performance.now() - this.startWall) / 1000;
    const machineBusy = ((m.busy - this.startMachine.busy) / Math.max(1, m.total - this.startMachine.total)) * cpus * wall;
    const ours = Object.values(seconds).reduce((s, v) => s + v, 0);
    return { seconds, machineBusy, others: Math.max(0, machineBusy - ours), wall };
  }
}

/** The machine and code a run measured, for the record. */
export function machine(): { cpus: number; model: string; memGiB: number; node: string; os: string; commit: string; load: string } {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (+ uncommitted changes)';
  } catch {
    // not a checkout
  }
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    commit,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}
