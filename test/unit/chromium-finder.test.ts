/** Where `npm test` looks for a Chromium (test/setup/chromium.ts), on throwaway folders. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChromium } from '../setup/chromium.js';

function fakeExecutable(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findChromium', () => {
  const saved = { PATH: process.env.PATH, CHROMIUM_PATH: process.env.CHROMIUM_PATH, PLAYWRIGHT_BROWSERS_PATH: process.env.PLAYWRIGHT_BROWSERS_PATH };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'classbell-chromium-finder-'));
    process.env.PATH = join(dir, 'bin');
    delete process.env.CHROMIUM_PATH;
    process.env.PLAYWRIGHT_BROWSERS_PATH = join(dir, 'cache');
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds nothing on a machine without one', () => {
    expect(findChromium()).toBeUndefined();
  });

  it('takes CHROMIUM_PATH first, and only if it is an executable', () => {
    fakeExecutable(join(dir, 'bin', 'chromium'));
    const own = fakeExecutable(join(dir, 'own', 'chrome'));
    process.env.CHROMIUM_PATH = own;
    expect(findChromium()).toBe(own);
    process.env.CHROMIUM_PATH = join(dir, 'missing');
    expect(findChromium()).toBeUndefined();
  });

  it('finds the system\'s chromium or chrome on the PATH', () => {
    const chrome = fakeExecutable(join(dir, 'bin', 'google-chrome'));
    expect(findChromium()).toBe(chrome);
    const chromium = fakeExecutable(join(dir, 'bin', 'chromium'));
    expect(findChromium()).toBe(chromium);
  });

  it('falls back to the newest build in Playwright\'s cache', () => {
    fakeExecutable(join(dir, 'cache', 'chromium-1100', 'chrome-linux', 'chrome'));
    const newest = fakeExecutable(join(dir, 'cache', 'chromium-1200', 'chrome-linux', 'chrome'));
    expect(findChromium()).toBe(newest);
  });
});
