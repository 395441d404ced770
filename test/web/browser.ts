import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { TEST_PASSWORD } from '../helpers/users.js';

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

/**
 * With TANDEM_SCREENSHOTS=1, saves a PNG of the page's viewport as docs/screenshots/<name>.png (for the README);
 * otherwise does nothing, so the tests never depend on pixels. Waits for web fonts and a quiet network first.
 * Names are kebab-case (`home-kpis`, `pick-phone`); a later run overwrites the file.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.TANDEM_SCREENSHOTS !== '1') return;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name must be kebab-case: ${name}`);
  const dir = path.join(root, 'docs', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.evaluate('document.fonts.ready.then(() => true)');
  // Desktop shots are 1280 × 800 whatever the test's window height; phone shots are the phone's screen.
  const vp = page.viewportSize();
  const clip = vp && vp.width >= 1000 ? { x: 0, y: 0, width: Math.min(vp.width, 1280), height: Math.min(vp.height, 800) } : undefined;
  await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled', caret: 'hide', ...(clip ? { clip } : {}) });
}

/**
 * Opens a new browser context (pushed onto `contexts`, which the test closes), signs in through the login form as a
 * user whose password is TEST_PASSWORD, and waits for the signed-in shell.
 */
export async function signInPage(
  browser: Browser,
  baseUrl: string,
  email: string,
  contexts: BrowserContext[],
  options: BrowserContextOptions = { viewport: { width: 1280, height: 900 } },
): Promise<Page> {
  const ctx = await browser.newContext(options);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('E-mail').fill(email);
  await page.locator('input[autocomplete="current-password"]').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Closes what a browser test opened — its pages' contexts, the browser, the app — skipping what never started. */
export async function closeBrowserTest(contexts: BrowserContext[], browser: Browser | undefined, app: { close(): Promise<void> } | undefined): Promise<void> {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await app?.close();
}
