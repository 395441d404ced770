/**
 * Shared plumbing for the benchmarks: logging to stderr, a cleanup registry that runs on normal exit, on error
 * and on SIGINT/SIGTERM (so no server or database is left behind), and the main wrapper that sets the exit code.
 */

export const say = (m: string): void => void process.stderr.write(`${m}\n`);

const tasks: { name: string; fn: () => Promise<void> | void }[] = [];

/** Registers a cleanup step; steps run last-registered first. Returns a function that unregisters it. */
export function onCleanup(name: string, fn: () => Promise<void> | void): () => void {
  const task = { name, fn };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

let cleaning: Promise<void> | undefined;
export function runCleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (tasks.length > 0) {
      const t = tasks.pop()!;
      try {
        await t.fn();
      } catch (err) {
        say(`cleanup "${t.name}" failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/** Runs a benchmark: its resolved value is the exit code (0 = every check passed). Cleans up in every case. */
export function runMain(main: () => Promise<number>): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping and cleaning up`);
    void runCleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main().then(
    async (code) => {
      await runCleanup();
      process.exit(code);
    },
    async (err: unknown) => {
      say(err instanceof Error ? (err.stack ?? err.message) : String(err));
      await runCleanup();
      process.exit(1);
    },
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A seeded pseudo-random generator (mulberry32), so a run's order mix can be repeated with --seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
