/**
 * bench/smoke (`npm run bench:smoke`): a tiny run of every benchmark, for CI — correctness only, no timing is judged.
 * One embedded PostgreSQL (durable settings) is shared: each benchmark creates and drops its own database on it.
 * bench/crash --smoke runs alongside bench/orders --smoke and then bench/flash-sale --smoke, because most of its time
 * is spent waiting for the idempotency claims of the killed process to expire. Exits non-zero when any benchmark does.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { onCleanup, runMain, say } from './lib/run.js';
import { ROOT } from './lib/tandem.js';

function run(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ name: string; code: number; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', `${name}.ts`), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  let env: NodeJS.ProcessEnv = process.env;
  if (!process.env.DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-smoke-'));
    fs.chmodSync(dir, 0o755);
    onCleanup('remove the smoke data directory', () => fs.rmSync(dir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir: dir });
    onCleanup('stop the smoke PostgreSQL', () => server.stop());
    env = { ...process.env, DATABASE_URL: server.url };
    say(`bench:smoke: embedded PostgreSQL ${server.version} on port ${server.port}`);
  }
  const [crash, sequential] = await Promise.all([
    run('crash', ['--smoke'], env),
    (async () => [await run('orders', ['--smoke'], env), await run('flash-sale', ['--smoke'], env)])(),
  ]);
  const results = [crash, ...sequential];
  for (const r of results) say(`bench:smoke: ${r.name} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  say(`bench:smoke: ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  return results.every((r) => r.code === 0) ? 0 : 1;
});
