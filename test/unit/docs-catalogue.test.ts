import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, EVENT_TYPES } from '../../src/domain/catalogue.js';

describe('docs/api.md catalogue table', () => {
  const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  it.each(EVENT_TYPES)('documents %s with its Cmd', (type) => {
    const cmd = CATALOGUE[type].cmd;
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${type}\` |`));
    expect(row, `docs/api.md has no catalogue row for ${type}`).toBeDefined();
    expect(row).toContain(typeof cmd === 'number' ? `| ${cmd} |` : `| "${cmd}" |`);
  });
});
