/**
 * Where the dashboard's end-to-end test finds a Chromium, the way users have one: CHROMIUM_PATH,
 * then the system's chromium or chrome, then Playwright's browser cache. `ensureChromium` (run by
 * `npm test`'s pretest step) gets one when none is found.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Chromium builds in Playwright's cache (PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright), newest first. */
function playwrightCache(): string[] {
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^chromium(_headless_shell)?-\d+$/.test(name))
    .sort((a, b) => Number(b.split('-').pop()) - Number(a.split('-').pop()))
    .flatMap((dir) => ['chrome-linux/chrome', 'chrome-linux64/chrome', 'chrome-linux/headless_shell', 'chrome-headless-shell-linux64/chrome-headless-shell'].map((p) => join(root, dir, p)))
    .filter(executable);
}

/** The Chromium to drive, or undefined when this machine has none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  for (const name of SYSTEM_NAMES) {
    const found = onPath(name);
    if (found) return found;
  }
  return playwrightCache()[0];
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Returns a Chromium, getting one when there is none: Debian's package when running as root on a
 * Debian-like system (apt-get), otherwise Playwright's own download. Each step says what it does
 * in one line.
 */
export function ensureChromium(log: (line: string) => void = console.log): string {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`);
  if (isRoot() && onPath('apt-get')) {
    log('classbell tests: no Chromium found (CHROMIUM_PATH, system chromium/chrome, Playwright cache); installing Debian\'s chromium package with apt-get…');
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    log('classbell tests: no Chromium found (CHROMIUM_PATH, system chromium/chrome, Playwright cache); downloading Playwright\'s Chromium (npx playwright-core install chromium)…');
    execFileSync('npx', ['--no-install', 'playwright-core', 'install', 'chromium'], { stdio: 'inherit' });
  }
  const installed = findChromium();
  if (!installed) throw new Error('a Chromium was installed but none was found afterwards; set CHROMIUM_PATH to its executable');
  log(`classbell tests: using ${installed}`);
  return installed;
}
