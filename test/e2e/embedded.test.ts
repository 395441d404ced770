import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-emb-'));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

async function query(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded PostgreSQL', () => {
  it('initialises a cluster, keeps data across restarts and picks a free port each time', async () => {
    const dir = tempDir();
    const a = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
    expect(a.version).toMatch(/PostgreSQL\) 18\./);
    await query(a.url, 'create table kept (v int); insert into kept values (42)');
    await a.stop();
    const b = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
    expect(await query(b.url, 'select v from kept')).toEqual([{ v: 42 }]);
    await b.stop();
  });

  it('recovers by itself after the process that started it was killed with SIGKILL', async () => {
    const dir = tempDir();
    const script = `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve('src/db/embedded.ts'))};
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, ephemeral: true });
      process.stdout.write('ready ' + s.port + '\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /ready (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const orphan = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(orphan)).toBe(true); // the server outlived its parent

    const again = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
    expect(alive(orphan)).toBe(false);
    expect(again.owned).toBe(true);
    expect(again.port).not.toBe(0);
    expect(await query(again.url, 'select 1 as ok')).toEqual([{ ok: 1 }]);
    void port;
    await again.stop();
  });

  it('refuses a data directory the postgres OS user cannot reach, and says what to do', async () => {
    if (process.getuid?.() !== 0) return; // only root runs the server as another user
    const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-closed-'));
    dirs.push(closed);
    fs.chmodSync(closed, 0o700);
    await expect(startEmbeddedPostgres({ dataDir: path.join(closed, 'data') })).rejects.toThrow(/TANDEM_DATA_DIR/);
  });
});
