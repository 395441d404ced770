import { sql } from 'kysely';
import type { BenchDatabase } from './lib/database.js';
import type { Outcome } from './lib/load.js';
import { Latencies, ms, table } from './lib/stats.js';

/**
 * `bench/orders --profile`: where the time of one order goes. Runs orders one at a time (no contention) with
 * pg_stat_statements reset before, then prints statements (= round trips) per order, by kind and one by one,
 * with PostgreSQL's planning and execution time — for Tandem's POST /api/v1/orders and for the raw SQL baseline.
 */

interface Stmt {
  query: string;
  calls: number;
  plan_ms: number;
  exec_ms: number;
}

const kindOf = (q: string): string => {
  const t = q.replace(/^\s*(\/\*.*?\*\/\s*)?/, '').trimStart().slice(0, 12).toUpperCase();
  if (/^(BEGIN|COMMIT|ROLLBACK|START)/.test(t)) return 'BEGIN/COMMIT';
  if (t.startsWith('SELECT')) return 'SELECT';
  if (t.startsWith('INSERT')) return 'INSERT';
  if (t.startsWith('UPDATE')) return 'UPDATE';
  if (t.startsWith('WITH')) return 'WITH (CTE)';
  if (t.startsWith('DELETE')) return 'DELETE';
  return 'other';
};

async function sample(bench: BenchDatabase, fire: () => Promise<Outcome>, orders: number): Promise<{ stmts: Stmt[]; latency: Latencies; failed: number }> {
  const db = bench.database.db;
  for (let i = 0; i < 20; i++) await fire(); // warm (plans, prepared statements, connections)
  await sql`SELECT pg_stat_statements_reset()`.execute(db);
  const latency = new Latencies();
  let failed = 0;
  for (let i = 0; i < orders; i++) {
    const t = performance.now();
    const r = await fire();
    if (r.ok) latency.add(performance.now() - t);
    else failed++;
  }
  const stmts = (
    await sql<Stmt>`
      SELECT query, calls::int AS calls, total_plan_time AS plan_ms, total_exec_time AS exec_ms FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%' ORDER BY calls DESC, total_exec_time DESC`.execute(db)
  ).rows;
  return { stmts, latency, failed };
}

function report(label: string, orders: number, s: { stmts: Stmt[]; latency: Latencies; failed: number }): string {
  const per = (v: number): string => (v / orders).toFixed(2);
  const calls = s.stmts.reduce((t, x) => t + x.calls, 0);
  const plan = s.stmts.reduce((t, x) => t + x.plan_ms, 0);
  const exec = s.stmts.reduce((t, x) => t + x.exec_ms, 0);
  const kinds = new Map<string, { calls: number; ms: number }>();
  for (const x of s.stmts) {
    const k = kindOf(x.query);
    const v = kinds.get(k) ?? { calls: 0, ms: 0 };
    v.calls += x.calls;
    v.ms += x.plan_ms + x.exec_ms;
    kinds.set(k, v);
  }
  const short = (q: string): string => {
    const one = q.replace(/\s+/g, ' ').trim();
    return one.length > 120 ? `${one.slice(0, 117)}…` : one;
  };
  return [
    `${label}: ${orders} orders one at a time (${s.failed} failed); latency p50 ${ms(s.latency.q(0.5))} ms, p99 ${ms(s.latency.q(0.99))} ms`,
    `  ${per(calls)} statements (round trips) per order; PostgreSQL planning ${per(plan)} ms + execution ${per(exec)} ms per order`,
    '',
    table(['kind', 'per order', 'PostgreSQL ms per order'], [...kinds.entries()].sort((x, y) => y[1].calls - x[1].calls).map(([k, v]) => [k, per(v.calls), per(v.ms)])),
    '',
    table(
      ['per order', 'plan+exec µs each', 'statement'],
      s.stmts.filter((x) => x.calls >= orders * 0.05).map((x) => [per(x.calls), ((x.plan_ms + x.exec_ms) * 1000 / x.calls).toFixed(0), short(x.query).replace(/\|/g, '\\|')]),
    ),
  ].join('\n');
}

export async function profileOrders(o: { bench: BenchDatabase; fire: () => Promise<Outcome>; baseline: (() => Promise<Outcome>) | undefined; orders: number; say: (m: string) => void }): Promise<void> {
  if (!o.bench.statStatements) {
    o.say('profile: pg_stat_statements is not available; skipped');
    return;
  }
  o.say(`profile: ${o.orders} orders one at a time through Tandem${o.baseline ? ' and the baseline' : ''} …`);
  const out = [report('Tandem POST /api/v1/orders', o.orders, await sample(o.bench, o.fire, o.orders))];
  if (o.baseline) out.push(report('raw SQL baseline', o.orders, await sample(o.bench, o.baseline, o.orders)));
  process.stdout.write(`\n## profile\n\n${out.join('\n\n')}\n\n`);
}
