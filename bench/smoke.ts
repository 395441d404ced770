/**
 * bench/smoke (`npm run bench:smoke`): a tiny run of every benchmark, for CI — correctness only, no timing is judged.
 * One embedded PostgreSQL (durable settings) is shared: each benchmark creates and drops its own database on it.
 * Two lanes run side by side, each one benchmark after another: bench/crash --smoke (most of its time is spent
 * waiting for the idempotency claims of the killed process to expire), then bench/outbox-scale --smoke --kill (two
 * `tandem work` processes on one outbox, one of them SIGKILLed: most of its time is the killed worker's 60 s delivery
 * lease) — after crash, so that its worker start-ups do not compete with crash's restarts, which must be healthy
 * within 60 s; and bench/orders --smoke, bench/flash-sale --smoke, then tiny bench/wave, bench/sync and bench/events.
 * Exits non-zero when any benchmark does.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { onCleanup, runMain, say } from './lib/run.js';
import { ROOT } from './lib/tandem.js';

function run(name: string, args: string[], env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Promise<{ name: string; code: number; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', `${name}.ts`), ...args], { cwd: ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    const unregister = onCleanup(`stop ${name}`, () => void child.kill('SIGTERM'));
    const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let rest = '';
      stream.on('data', (c: Buffer) => {
        const lines = (rest + c.toString('utf8')).split('\n');
        rest = lines.pop()!;
        for (const l of lines) out.write(`[${name}] ${l}\n`);
      });
      stream.on('end', () => rest && out.write(`[${name}] ${rest}\n`));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.on('exit', (code, signal) => {
      unregister();
      resolve({ name, code: code ?? (signal ? 1 : 0), seconds: (performance.now() - t0) / 1000 });
    });
  });
}

runMain(async () => {
  const t0 = performance.now();
  // Every benchmark process and the Tandem processes they start share one key for stored secrets (webhook and
  // channel secrets are sealed with it): a run-local one unless TANDEM_SECRET_KEY is set.
  let env: NodeJS.ProcessEnv = { ...process.env, TANDEM_SECRET_KEY: process.env.TANDEM_SECRET_KEY || randomBytes(32).toString('base64') };
  if (!process.env.DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-smoke-'));
    fs.chmodSync(dir, 0o755);
    onCleanup('remove the smoke data directory', () => fs.rmSync(dir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir: dir });
    onCleanup('stop the smoke PostgreSQL', () => server.stop());
    env = { ...env, DATABASE_URL: server.url };
    say(`bench:smoke: embedded PostgreSQL ${server.version} on port ${server.port}`);
  }
  const lanes = await Promise.all([
    (async () => [await run('crash', ['--smoke'], env), await run('outbox-scale', ['--smoke', '--kill'], env)])(),
    (async () => [
      await run('orders', ['--smoke'], env),
      await run('flash-sale', ['--smoke'], env),
      await run('wave', [], env, { BENCH_BINS: '200', BENCH_ORDERS: '60', BENCH_PICKERS: '4' }),
      await run('sync', [], env, { BENCH_CHANGES: '300', BENCH_SKUS: '50', BENCH_RATE: '200', BENCH_HOT_SECONDS: '1' }),
      await run('events', [], env, { BENCH_EVENTS: '300', BENCH_WORKERS: '1' }),
    ])(),
  ]);
  const results = lanes.flat();
  for (const r of results) say(`bench:smoke: ${r.name} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  say(`bench:smoke: ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  return results.every((r) => r.code === 0) ? 0 : 1;
});
