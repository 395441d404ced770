#!/usr/bin/env node
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, ConfigError } from '../config.js';
import { connect, type Connected } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { runUntilSignalled } from '../main.js';
import { AppError } from '../shared/errors.js';
import { VERSION } from '../version.js';
import { importBins, importSkus, type ImportReport } from '../workflows/import-master-data.js';
import { seedDemo } from './demo.js';
import { withTx } from '../db/database.js';
import { verifyInventory } from '../modules/inventory/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { importPostalCodesCsv } from '../modules/routing/index.js';
import { importOrders } from '../workflows/import-orders.js';
import { importRateCardCsv, type RateCardTable } from '../modules/shipping/index.js';
import { randomBytes } from 'node:crypto';
import { ROLES, createUser, type Role } from '../modules/auth/index.js';
import { installCliKeyRing, registerSecretsCommands } from './secrets.js';
import { auditedCliRun, recordCliChange } from './audit.js';

const say = (m: string): void => void process.stderr.write(`${m}\n`);

/** Opens the database for a one-off command, migrates it, runs `fn`, and closes everything. */
async function withDatabase<T>(fn: (c: Connected) => Promise<T>): Promise<T> {
  const config = loadConfig();
  installCliKeyRing(config, say);
  const c = await connect(config, (m) => say(m), 'tandem-cli');
  try {
    await migrateToLatest(c.database.db);
    return await fn(c);
  } finally {
    await c.close();
  }
}

function progressBar(label: string): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} rows`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

/** What an audited import records: the file's name and the counts, never its rows. */
const importSummary = (file: string) => (r: ImportReport) => ({
  status: r.aborted ? 1 as const : 0 as const, after: { file: basename(file), rows: r.rows, imported: r.imported, skipped: r.skipped, errors: r.errors.length },
});

function printReport(report: ImportReport): void {
  for (const e of report.errors.slice(0, 200)) say(`  row ${e.row}: ${e.field}: ${e.message}`);
  if (report.errors.length > 200) say(`  … and ${report.errors.length - 200} more errors`);
  if (report.aborted) {
    say(`${report.errors.length} error(s) in ${report.rows} rows: nothing was imported. Fix the rows, or pass --skip-invalid to import the valid ones.`);
    process.exitCode = 1;
  } else {
    say(`imported ${report.imported} ${report.kind}, skipped ${report.skipped} of ${report.rows} rows`);
  }
}

const program = new Command('tandem').version(VERSION).description('Tandem: order management and warehouse management in one system');

program.command('start', { isDefault: true }).description('API, dashboard and background workers (the default)').action(() => runUntilSignalled('start'));
program.command('serve').description('API only').action(() => runUntilSignalled('serve'));
program.command('work').description('background workers only').action(() => runUntilSignalled('work'));

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    withDatabase(async (c) => {
      const r = await migrateToLatest(c.database.db);
      say(r.results && r.results.length > 0 ? r.results.map((m) => `${m.status}: ${m.migrationName}`).join('\n') : 'the database is up to date');
    }),
  );

const imp = program.command('import').description('bulk import from CSV, all or nothing unless --skip-invalid');
imp
  .command('skus <file>')
  .description('SKUs: sku,name,gtin,weight_g,length_mm,width_mm,height_mm,kit_components (A:2|B:1)')
  .option('--skip-invalid', 'import the valid rows and report the others')
  .action((file: string, opts: { skipInvalid?: boolean }) =>
    withDatabase(async (c) => {
      const bar = progressBar('skus');
      const db = c.database.db;
      const report = await auditedCliRun(db, { command: 'import skus', objectType: 'sku', objectId: null },
        () => importSkus(db, readFileSync(file, 'utf8'), { skipInvalid: !!opts.skipInvalid, actor: 'cli', onProgress: bar.update }), importSummary(file));
      bar.stop();
      printReport(report);
    }),
  );
imp
  .command('bins <file>')
  .description('bins of one warehouse: code,zone,walk_sequence,capacity_units,pickable')
  .addOption(new Option('--warehouse <code>', 'warehouse code or id').makeOptionMandatory())
  .option('--skip-invalid', 'import the valid rows and report the others')
  .action((file: string, opts: { warehouse: string; skipInvalid?: boolean }) =>
    withDatabase(async (c) => {
      const bar = progressBar('bins');
      const db = c.database.db;
      const report = await auditedCliRun(db, { command: 'import bins', objectType: 'warehouse', objectId: opts.warehouse },
        () => importBins(db, opts.warehouse, readFileSync(file, 'utf8'), { skipInvalid: !!opts.skipInvalid, actor: 'cli', onProgress: bar.update }), importSummary(file));
      bar.stop();
      printReport(report);
    }),
  );

imp
  .command('postal-codes <file>')
  .description('postal-code centroids for routing distances: CSV with country,postal_code,lat,lng (looked up before the built-in data)')
  .action((file: string) =>
    withDatabase(async (c) => {
      const db = c.database.db;
      const n = await auditedCliRun(db, { command: 'import postal-codes', objectType: 'postal_codes', objectId: null },
        () => withTx(db, (tx) => importPostalCodesCsv(tx, readFileSync(file, 'utf8'))), (imported) => ({ status: 0, after: { file: basename(file), imported } }));
      say(`imported ${n} postal code(s)`);
    }),
  );

imp
  .command('rate-card <file>')
  .description('a rate-card carrier\'s zones (zone,max_km,dest_prefix,origin_prefix), rates (service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount) or serviceability (postal_code,match,prepaid,cod)')
  .addOption(new Option('--carrier <code>', 'carrier account code').makeOptionMandatory())
  .addOption(new Option('--table <table>', 'which table the CSV replaces').choices(['zones', 'rates', 'serviceability']).makeOptionMandatory())
  .action((file: string, opts: { carrier: string; table: RateCardTable }) =>
    withDatabase(async (c) => {
      const db = c.database.db;
      const r = await auditedCliRun(db, { command: `import rate-card --table ${opts.table}`, objectType: 'carrier', objectId: opts.carrier },
        () => withTx(db, (tx) => importRateCardCsv(tx, opts.carrier, opts.table, readFileSync(file, 'utf8'), 'cli')),
        (res) => ({ status: res.aborted ? 1 : 0, after: { file: basename(file), table: opts.table, rows: res.rows, imported: res.imported, errors: res.errors.length } }));
      for (const e of r.errors.slice(0, 200)) say(`  row ${e.row}: ${e.field}: ${e.message}`);
      if (r.aborted) {
        say(`${r.errors.length} error(s) in ${r.rows} rows: nothing was imported.`);
        process.exitCode = 1;
      } else {
        say(`imported ${r.imported} ${opts.table} row(s) for carrier ${opts.carrier}`);
      }
    }),
  );

imp
  .command('orders <file>')
  .description('orders: one row per line, grouped by order_id (see docs/orders.md for the columns)')
  .option('--channel <id>', 'channel the orders came from (default: the API channel)')
  .option('--skip-invalid', 'import the orders whose rows are all valid and report the others')
  .action((file: string, opts: { channel?: string; skipInvalid?: boolean }) =>
    withDatabase(async (c) => {
      const bar = progressBar('orders');
      const r = await importOrders(c.database.db, readFileSync(file, 'utf8'), { channelId: opts.channel, skipInvalid: !!opts.skipInvalid, actor: 'cli', onProgress: bar.update });
      bar.stop();
      for (const e of r.errors.slice(0, 200)) say(`  row ${e.row}: ${e.field}: ${e.message}`);
      if (r.aborted) {
        say(`${r.errors.length} error(s) in ${r.rows} rows: nothing was imported. Fix the rows, or pass --skip-invalid.`);
        process.exitCode = 1;
      } else {
        say(`imported ${r.created} new order(s) (${r.duplicates} already known) from ${r.rows} rows; skipped ${r.skipped_rows} row(s)`);
      }
    }),
  );

program
  .command('demo')
  .description('seed a believable brand: 3 warehouses with bins, 200 SKUs, 3 channels')
  .action(() =>
    withDatabase(async (c) => {
      const summary = await seedDemo(c.database.db, say);
      say(JSON.stringify(summary, null, 2));
    }),
  );

program
  .command('inventory')
  .description('inventory maintenance')
  .command('verify')
  .description('recompute on_hand, reserved, states, bins and in-transit stock from the ledger, reservations and transfers; report every drift (exit 1 on any)')
  .option('--warehouse <code>', 'only this warehouse (code or id)')
  .option('--json', 'print the drifts as JSON')
  .action((opts: { warehouse?: string; json?: boolean }) =>
    withDatabase(async (c) => {
      const db = c.database.db;
      const wh = opts.warehouse ? (await getWarehouse(db, opts.warehouse)).id : undefined;
      const drifts = await withTx(db, (tx) => verifyInventory(tx, { warehouse_ids: wh ? [wh] : null }), { isolation: 'repeatable read' });
      if (opts.json) process.stdout.write(`${JSON.stringify(drifts, null, 2)}\n`);
      else {
        for (const d of drifts) {
          const where = [`sku ${d.sku_id}`, `warehouse ${d.warehouse_id}`, d.bin_id !== undefined ? `bin ${d.bin_id ?? '(unplaced)'}` : '', d.lot ? `lot ${d.lot}` : '', d.state ? `state ${d.state}` : ''].filter(Boolean).join(', ');
          process.stdout.write(`drift ${d.kind}: ${where}: is ${d.actual}, should be ${d.expected}\n`);
        }
      }
      say(drifts.length === 0 ? 'inventory verified: no drift' : `${drifts.length} drift(s) found`);
      if (drifts.length > 0) process.exitCode = 1;
    }),
  );

program
  .command('users')
  .description('dashboard users')
  .command('create')
  .description('create a dashboard user; the password is read from stdin with --password-stdin, otherwise generated and printed once')
  .addOption(new Option('--email <email>', 'sign-in e-mail').makeOptionMandatory())
  .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
  .option('--warehouse <codes>', 'limit the user to these warehouses (codes or ids, comma-separated)')
  .option('--name <name>', 'display name (default: the e-mail)')
  .option('--password-stdin', 'read the password from the first line of stdin')
  .action((opts: { email: string; role: Role; warehouse?: string; name?: string; passwordStdin?: boolean }) =>
    withDatabase(async (c) => {
      const db = c.database.db;
      const password = opts.passwordStdin ? (await readStdin()).split(/\r?\n/)[0] ?? '' : randomBytes(18).toString('base64url');
      const codes = (opts.warehouse ?? '').split(',').map((w) => w.trim()).filter(Boolean);
      const warehouseIds = await Promise.all(codes.map(async (code) => (await getWarehouse(db, code)).id));
      const user = await withTx(db, async (tx) => {
        const created = await createUser(tx, { email: opts.email, name: opts.name, role: opts.role, password, warehouseIds, actor: 'cli' });
        await recordCliChange(tx, { command: 'users create', objectType: 'user', objectId: created.id, after: created });
        return created;
      });
      say(`created user ${user.id} ${user.email} (${user.role}${user.warehouse_ids ? `, warehouses ${codes.join(', ')}` : ', every warehouse'})`);
      if (!opts.passwordStdin) process.stdout.write(`\n  Password for ${user.email} (shown once, store it now):\n\n    ${password}\n\n`);
    }),
  );

registerSecretsCommands(program, withDatabase, say);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) say(`configuration error: ${err.message}`);
  else if (err instanceof AppError) say(`${err.code}: ${err.message}`);
  else say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
