import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Inside the namespace, Redis is the namespace's own (test/netns/namespace-setup.ts), on a port of ours. */
const NAMESPACE_REDIS_URL = 'redis://127.0.0.1:16601';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

/**
 * Issue 17, point 4: the SSRF suite (test/netns/) makes classbell try forbidden endpoints, so it runs
 * in a network namespace of its own with only loopback up (`unshare -n`, needs root as in CI):
 * even a guard that fails can send nothing off the machine.
 */
describe('SSRF suite in a loopback-only network namespace', () => {
  it('passes, every test of it run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'classbell-netns-'));
    const reportFile = join(dir, 'report.json');
    // The child vitest must not think it is one of this run's workers.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'REDIS_CLUSTER_NODES'));
    const args = ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'netns',
      process.execPath, 'node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.netns.config.ts', '--reporter=dot', '--reporter=json', `--outputFile=${reportFile}`];
    const output = await new Promise<string>((resolve) => {
      execFile('unshare', args, { env: { ...env, REDIS_URL: NAMESPACE_REDIS_URL }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve(`${error ? `${error.message}\n` : ''}${stdout}\n${stderr}`));
    });
    const report = JSON.parse(await readFile(reportFile, 'utf8').catch(() => 'null')) as VitestReport | null;
    await rm(dir, { recursive: true, force: true });
    expect(report, output).not.toBeNull();
    expect({ failed: report!.numFailedTests, skipped: report!.numPendingTests }, output).toEqual({ failed: 0, skipped: 0 });
    expect(report!.numPassedTests, output).toBeGreaterThanOrEqual(26);
  }, 300_000);
});
