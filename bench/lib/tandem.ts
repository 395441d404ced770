import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/db/embedded.js';
import { probe } from './http.js';
import { onCleanup, sleep } from './run.js';

/** One secret key for every Tandem process of this benchmark run (required with DATABASE_URL), unless the environment has one. */
const BENCH_SECRET_KEY = randomBytes(32).toString('hex');

/** The repository root (bench/lib/ → ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A `tandem serve` child process on 127.0.0.1: from the TypeScript sources through tsx (default), or from dist/
 * (`npm run build` first) with `built`. Its output goes to a log file; it is killed at the end of the benchmark.
 */
export interface TandemProcess {
  port: number;
  pid: number;
  /** Milliseconds from spawn to the first healthy /api/health. */
  startupMs: number;
  logFile: string;
  child: ChildProcess;
  /** SIGKILL, no goodbye. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface TandemOptions {
  databaseUrl: string;
  adminKey: string;
  port?: number;
  poolSize?: number;
  built?: boolean;
  logDir: string;
  /** A label for the log file name. */
  label?: string;
  healthTimeoutMs?: number;
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Modules to preload (TypeScript is fine: they load after tsx). */
  imports?: string[];
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startTandemProcess(o: TandemOptions): Promise<TandemProcess> {
  const port = o.port ?? (await freePort());
  const main = o.built ? path.join(ROOT, 'dist', 'src', 'cli', 'main.js') : path.join(ROOT, 'src', 'cli', 'main.ts');
  if (o.built && !fs.existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first, or drop --built`);
  const preload = o.imports ?? [];
  const entry = [...(o.built && preload.length === 0 ? [] : ['--import', 'tsx']), ...preload.flatMap((m) => ['--import', m]), main];
  const logFile = path.join(o.logDir, `tandem-${o.label ?? 'serve'}-${port}.log`);
  const out = fs.openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...entry, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      TANDEM_ADMIN_KEY: o.adminKey,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: String(o.poolSize ?? 20),
      // The load generator is one API key on one IP placing thousands of orders a minute: the per-key and per-IP
      // request limits (600 and 1,200 a minute by default) would turn most of them into 429s. Off (0) unless given.
      TANDEM_RATE_LIMIT_PER_MINUTE: process.env.TANDEM_RATE_LIMIT_PER_MINUTE ?? '0',
      TANDEM_RATE_LIMIT_IP_PER_MINUTE: process.env.TANDEM_RATE_LIMIT_IP_PER_MINUTE ?? '0',
      TANDEM_SECRET_KEY: process.env.TANDEM_SECRET_KEY || BENCH_SECRET_KEY,
      ...o.env,
    },
  });
  fs.closeSync(out);
  const unregister = onCleanup(`kill tandem ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  const deadline = Date.now() + (o.healthTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      unregister();
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`tandem serve exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${tail}`);
    }
    if ((await probe(port, '/api/health', 1000)) === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tandem serve was not healthy within ${o.healthTimeoutMs ?? 60_000} ms (log: ${logFile})`);
    }
    await sleep(10);
  }
  const startupMs = performance.now() - started;
  return {
    port,
    pid: child.pid!,
    startupMs,
    logFile,
    child,
    ...processControls(child, unregister, 15_000),
  };
}

/**
 * How a benchmark ends a child process it started: `kill9` (SIGKILL, for crash tests) or `stop` (SIGTERM, then
 * SIGKILL after `graceMs`); both wait for the exit and drop the process's cleanup hook.
 */
export function processControls(child: ChildProcess, unregister: () => void, graceMs: number): { kill9(): Promise<void>; stop(): Promise<void> } {
  return {
    kill9: async () => {
      child.kill('SIGKILL');
      await exited(child);
      unregister();
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited(child);
        clearTimeout(timer);
      }
      unregister();
    },
  };
}
