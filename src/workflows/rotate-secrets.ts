import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { activeKeyRing, columnPurpose, isCurrent, isSealed, openSecret, sealSecret, type KeyRing, type SecretColumn } from '../shared/secrets.js';
import { CHANNEL_SECRET, STOCK_POLICY_CREDENTIALS } from '../modules/channels/index.js';
import { CARRIER_CREDENTIALS } from '../modules/shipping/index.js';
import { WEBHOOK_PREVIOUS_SECRET, WEBHOOK_SECRET } from '../events/webhooks.js';

/**
 * Maintenance over every column that holds secrets (each declared by the module that owns its table): how many
 * values each key sealed, and re-sealing them all with the current key. The one place outside those modules that
 * writes their tables, and only the secret column, only to replace a value with the same secret re-sealed.
 */
export const SECRET_COLUMNS: readonly SecretColumn[] = [CHANNEL_SECRET, STOCK_POLICY_CREDENTIALS, WEBHOOK_SECRET, WEBHOOK_PREVIOUS_SECRET, CARRIER_CREDENTIALS];

export interface ColumnStatus {
  table: string;
  column: string;
  /** Values per key id; `plaintext` counts legacy values stored before encryption. */
  by_key: Record<string, number>;
}

export interface SecretsStatus {
  current_key: string | null;
  previous_keys: string[];
  columns: ColumnStatus[];
  /** Key ids that sealed stored values but are not in this process's ring: those values cannot be opened. */
  unknown_keys: string[];
  plaintext: number;
}

const ref = (c: SecretColumn): { t: ReturnType<typeof sql.table>; k: ReturnType<typeof sql.ref>; v: ReturnType<typeof sql.ref> } =>
  ({ t: sql.table(c.table), k: sql.ref(c.key), v: sql.ref(c.column) });

/** How many stored values each key sealed, per column; which key ids this process lacks. */
export async function secretsStatus(db: Db, ring: KeyRing = activeKeyRing()): Promise<SecretsStatus> {
  const columns: ColumnStatus[] = [];
  for (const c of SECRET_COLUMNS) {
    const { t, v } = ref(c);
    const kid = (x: unknown): ReturnType<typeof sql> => sql`CASE WHEN ${x} LIKE 'tsec:%' THEN split_part(${x}, ':', 3) ELSE 'plaintext' END`;
    const rows = c.shape === 'text'
      ? await sql<{ kid: string; n: number }>`SELECT ${kid(v)} AS kid, count(*)::int AS n FROM ${t} WHERE ${v} IS NOT NULL GROUP BY 1 ORDER BY 1`.execute(db)
      : await sql<{ kid: string; n: number }>`SELECT ${kid(sql.ref('e.value'))} AS kid, count(*)::int AS n
          FROM ${t} CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(${v}) = 'object' THEN ${v} ELSE '{}'::jsonb END) AS e GROUP BY 1 ORDER BY 1`.execute(db);
    columns.push({ table: c.table, column: c.column, by_key: Object.fromEntries(rows.rows.map((r) => [r.kid, r.n])) });
  }
  const known = new Set([ring.current?.id, ...ring.previous.map((p) => p.id)].filter(Boolean));
  const seen = new Set(columns.flatMap((c) => Object.keys(c.by_key)));
  return {
    current_key: ring.current?.id ?? null,
    previous_keys: ring.previous.map((p) => p.id),
    columns,
    unknown_keys: [...seen].filter((k) => k !== 'plaintext' && !known.has(k)).sort(),
    plaintext: columns.reduce((n, c) => n + (c.by_key.plaintext ?? 0), 0),
  };
}

export interface ColumnRotation {
  table: string;
  column: string;
  rows: number;
  /** Sealed with a previous key, now with the current one. */
  resealed: number;
  /** Legacy plaintext, now sealed. */
  sealed_plaintext: number;
  already_current: number;
  /** Changed by someone else between read and write: left alone (the writer sealed it with the current key). */
  changed_concurrently: number;
  failed: { key: string; code: string; message: string }[];
}

type Rewrite = { kind: 'current' } | { kind: 'rewrite'; value: string; plaintext: boolean };

function rewriteText(value: string, purpose: string, ring: KeyRing): Rewrite {
  if (isCurrent(value, ring)) return { kind: 'current' };
  return { kind: 'rewrite', value: sealSecret(openSecret(value, purpose, ring), purpose, ring), plaintext: !isSealed(value) };
}

function rewriteFields(value: Record<string, unknown>, purpose: string, ring: KeyRing): Rewrite {
  let plaintext = false;
  let changed = false;
  const out: Record<string, string> = {};
  for (const [field, raw] of Object.entries(value)) {
    const v = String(raw);
    if (isCurrent(v, ring)) out[field] = v;
    else {
      plaintext ||= !isSealed(v);
      changed = true;
      out[field] = sealSecret(openSecret(v, `${purpose}:${field}`, ring), `${purpose}:${field}`, ring);
    }
  }
  return changed ? { kind: 'rewrite', value: JSON.stringify(out), plaintext } : { kind: 'current' };
}

/**
 * Re-seals every stored secret with the current key, legacy plaintext included, in pages of `batch` rows. Each
 * row is one short statement guarded by `WHERE value = <what was read>`, so a concurrent change is never
 * overwritten; processes keep running throughout (they open old and new values while the old key is in
 * TANDEM_SECRET_KEYS_PREVIOUS). Values no key opens are reported and left as they are.
 */
export async function rotateSecrets(db: Db, opts: { batch?: number; ring?: KeyRing; onColumn?: (r: ColumnRotation) => void } = {}): Promise<ColumnRotation[]> {
  const ring = opts.ring ?? activeKeyRing();
  if (!ring.current) throw new AppError('unavailable', 'secret_key_missing', 'Set TANDEM_SECRET_KEY to the key to rotate to');
  const batch = opts.batch ?? 100;
  const out: ColumnRotation[] = [];
  for (const c of SECRET_COLUMNS) {
    const { t, k, v } = ref(c);
    const r: ColumnRotation = { table: c.table, column: c.column, rows: 0, resealed: 0, sealed_plaintext: 0, already_current: 0, changed_concurrently: 0, failed: [] };
    let after = '';
    for (;;) {
      const filter = c.shape === 'text' ? sql`${v} IS NOT NULL` : sql`jsonb_typeof(${v}) = 'object'`;
      const page = await sql<{ key: string; value: unknown }>`
        SELECT ${k} AS key, ${v} AS value FROM ${t} WHERE ${k} > ${after} AND ${filter} ORDER BY ${k} LIMIT ${batch}`.execute(db);
      for (const row of page.rows) {
        r.rows += 1;
        const purpose = columnPurpose(c, row.key);
        let next: Rewrite;
        try {
          next = c.shape === 'text' ? rewriteText(row.value as string, purpose, ring) : rewriteFields(row.value as Record<string, unknown>, purpose, ring);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          r.failed.push({ key: row.key, code: err.code, message: err.message });
          continue;
        }
        if (next.kind === 'current') {
          r.already_current += 1;
          continue;
        }
        const old = c.shape === 'text' ? sql`${row.value as string}` : sql`${JSON.stringify(row.value)}::jsonb`;
        const neu = c.shape === 'text' ? sql`${next.value}` : sql`${next.value}::jsonb`;
        const u = await sql`UPDATE ${t} SET ${v} = ${neu} WHERE ${k} = ${row.key} AND ${v} = ${old}`.execute(db);
        if (Number(u.numAffectedRows ?? 0) === 0) r.changed_concurrently += 1;
        else if (next.plaintext) r.sealed_plaintext += 1;
        else r.resealed += 1;
      }
      if (page.rows.length < batch) break;
      after = page.rows.at(-1)!.key;
    }
    opts.onColumn?.(r);
    out.push(r);
  }
  return out;
}
