import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, EVENT_TYPES } from '../../src/domain/catalogue.js';

describe('README catalogue table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  it.each(EVENT_TYPES)('documents %s with its Cmd', (type) => {
    const cmd = CATALOGUE[type].cmd;
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${type}\` |`));
    expect(row, `README has no catalogue row for ${type}`).toBeDefined();
    expect(row).toContain(typeof cmd === 'number' ? `| ${cmd} |` : `| "${cmd}" |`);
  });
});
