import pg from 'pg';

/**
 * EXPERIMENT, loaded into a Tandem child process with `--import` by `bench/orders --auto-prepare`: every
 * parameterised statement runs as a named prepared statement (name = hash of its text), so PostgreSQL parses and
 * plans each distinct statement once per connection. It measures what prepared statements would save on the order
 * path; it is not how Tandem runs (the cache is unbounded, and a plan cached across a migration could go stale).
 */
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;

function nameOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `ap_${(h >>> 0).toString(36)}_${text.length}`;
}

(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  if (typeof config === 'string' && Array.isArray(rest[0]) && /\$1\b/.test(config)) {
    return original.call(this, { name: nameOf(config), text: config, values: rest[0] }, ...rest.slice(1));
  }
  if (config && typeof config === 'object' && !('name' in config && (config as { name?: string }).name) && typeof (config as { text?: unknown }).text === 'string' && /\$1\b/.test((config as { text: string }).text)) {
    return original.call(this, { ...(config as object), name: nameOf((config as { text: string }).text) }, ...rest);
  }
  return original.call(this, config, ...rest);
};
