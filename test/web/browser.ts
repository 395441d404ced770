import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';
/** CI sets TANDEM_REQUIRE_BROWSER=1: there a missing Chromium fails the run instead of skipping the browser tests. */
export const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  const msg = `browser tests: ${CHROMIUM} not found (apt-get install chromium)`;
  if (process.env.TANDEM_REQUIRE_BROWSER === '1') throw new Error(msg);
  process.stderr.write(`${msg}; skipping them\n`);
}

const root = path.resolve(import.meta.dirname, '../..');
const webDir = path.join(root, 'web');

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the dashboard when web/dist is missing or older than its sources (CI has built it already). */
export function ensureWebBuild(): void {
  const built = path.join(webDir, 'dist', 'index.html');
  const sources = Math.max(newest(path.join(webDir, 'src')), ...['index.html', 'vite.config.ts', 'tsconfig.json'].map((f) => fs.statSync(path.join(webDir, f)).mtimeMs));
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
  process.stderr.write('browser tests: building the dashboard (web/dist is missing or stale)\n');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(webDir, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

/** Debian's Chromium, headless, with a fresh temporary profile (Playwright makes one per launch and removes it). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
