import type { Command } from 'commander';
import { ConfigError, type Config } from '../config.js';
import type { Connected } from '../db/connect.js';
import { installKeyRing, makeKeyRing } from '../shared/secrets.js';
import { keyRingForProcess } from '../shared/secret-key-file.js';
import { rotateSecrets, secretsStatus, type ColumnRotation } from '../workflows/rotate-secrets.js';
import { withTx } from '../db/database.js';
import { recordCliChange } from './audit.js';

type WithDatabase = <T>(fn: (c: Connected) => Promise<T>) => Promise<T>;

/**
 * The key ring of a one-off command: as for `tandem start|serve|work`, except that against DATABASE_URL a
 * missing TANDEM_SECRET_KEY is not an error until a secret is sealed or opened (`tandem migrate` needs none).
 */
export function installCliKeyRing(config: Config, say: (m: string) => void): void {
  let ring;
  try {
    ring = keyRingForProcess(config, say);
  } catch (err) {
    if (!(err instanceof ConfigError) || config.secrets.key) throw err;
    ring = makeKeyRing(undefined, config.secrets.previous);
  }
  installKeyRing(ring, (info, m) => say(`${info.code}: ${m}`));
}

function pad(s: string | number, n: number): string {
  return String(s).padEnd(n);
}

/** `tandem secrets status|rotate`: see docs/security.md (Secrets at rest). */
export function registerSecretsCommands(program: Command, withDatabase: WithDatabase, say: (m: string) => void): void {
  const secrets = program.command('secrets').description('secrets at rest: which keys sealed them, and re-sealing with the current key');

  secrets
    .command('status')
    .description('count stored secrets per key id (and legacy plaintext); exit 1 if a value was sealed with a key this process lacks')
    .option('--json', 'print the status as JSON')
    .action((opts: { json?: boolean }) =>
      withDatabase(async (c) => {
        const st = await secretsStatus(c.database.db);
        if (opts.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        else {
          process.stdout.write(`current key: ${st.current_key ?? '(none: set TANDEM_SECRET_KEY)'}\nprevious keys: ${st.previous_keys.join(', ') || '(none)'}\n\n`);
          process.stdout.write(`${pad('table.column', 36)}values by key id\n`);
          for (const col of st.columns) {
            const parts = Object.entries(col.by_key).map(([k, n]) => `${k === st.current_key ? `${k} (current)` : k}: ${n}`);
            process.stdout.write(`${pad(`${col.table}.${col.column}`, 36)}${parts.join(', ') || '-'}\n`);
          }
        }
        if (st.unknown_keys.length > 0) {
          say(`values sealed with key(s) ${st.unknown_keys.join(', ')} cannot be opened: add the key(s) to TANDEM_SECRET_KEYS_PREVIOUS`);
          process.exitCode = 1;
        } else if (st.plaintext > 0) say(`${st.plaintext} value(s) are still plaintext: run tandem secrets rotate`);
      }),
    );

  secrets
    .command('rotate')
    .description('re-seal every stored secret (and legacy plaintext) with TANDEM_SECRET_KEY; values sealed with a key in TANDEM_SECRET_KEYS_PREVIOUS are opened with it. Safe while tandem runs')
    .option('--batch <n>', 'rows read per page', '100')
    .action((opts: { batch: string }) =>
      withDatabase(async (c) => {
        const batch = Number(opts.batch);
        if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new ConfigError('--batch must be an integer from 1 to 10000');
        let failed = 0;
        const line = (r: ColumnRotation): void => {
          failed += r.failed.length;
          process.stdout.write(`${pad(`${r.table}.${r.column}`, 36)}rows ${r.rows}, re-sealed ${r.resealed}, plaintext sealed ${r.sealed_plaintext}, already current ${r.already_current}, changed meanwhile ${r.changed_concurrently}, failed ${r.failed.length}\n`);
          for (const f of r.failed.slice(0, 50)) say(`  ${r.table} ${f.key}: ${f.code}: ${f.message}`);
        };
        const rotated = await rotateSecrets(c.database.db, { batch, onColumn: line });
        const st = await secretsStatus(c.database.db);
        // The run goes into the audit log (counts per column, never a value).
        const summary = rotated.map(({ failed: f, ...r }) => ({ ...r, failed: f.map((x) => ({ key: x.key, code: x.code })) }));
        await withTx(c.database.db, (tx) => recordCliChange(tx, { command: 'secrets rotate', objectType: 'secret_key', objectId: st.current_key ?? 'none', after: { columns: summary } }));
        const left = st.columns.flatMap((col) => Object.entries(col.by_key).filter(([k]) => k !== st.current_key).map(([k, n]) => `${col.table}.${col.column} ${k}: ${n}`));
        say(left.length === 0 ? `every stored secret is sealed with key ${st.current_key}; the previous keys can be dropped` : `not yet on key ${st.current_key}: ${left.join('; ')}`);
        if (failed > 0 || left.length > 0) process.exitCode = 1;
      }),
    );
}
