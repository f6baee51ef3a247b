/**
 * docs/configuration.md stays in step with src/config.ts: its tables list exactly the variables
 * the zod env schema reads, each once, and every default they state is the one loadConfig applies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const TABLE_HEADER = '| variable | default | meaning |';
/** Enough for the production default (NODE_ENV unset), which requires an admin token. */
const BASE_ENV = { ADMIN_TOKEN: 'docs-config-test-token' };

interface DocumentedVariable {
  name: string;
  /** The value the table states as default; undefined for "unset" and "required …". */
  defaultValue: string | undefined;
}

/** The rows of every `| variable | default | meaning |` table, one entry per variable named. */
function documentedVariables(markdown: string): DocumentedVariable[] {
  const found: DocumentedVariable[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (line.trim() === TABLE_HEADER) {
      inTable = true;
      continue;
    }
    if (!line.startsWith('|')) inTable = false;
    if (!inTable || line.startsWith('|---')) continue;
    const [namesCell = '', defaultCell = ''] = line.split('|').slice(1).map((cell) => cell.trim());
    const names = [...namesCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] as string);
    const defaults = statedDefaults(defaultCell, names.length);
    names.forEach((name, i) => found.push({ name, defaultValue: defaults[i] }));
  }
  return found;
}

/**
 * "unset" and "required …" state no value; otherwise the text before any parenthesis, without
 * backticks, split on ", " when the row names several variables ("20, 60").
 */
function statedDefaults(cell: string, count: number): (string | undefined)[] {
  if (/^(unset|required)\b/.test(cell)) return new Array<undefined>(count).fill(undefined);
  const value = (cell.split(' (')[0] ?? '').replaceAll('`', '').trim();
  return count > 1 ? value.split(', ') : [value];
}

describe('docs/configuration.md', () => {
  const documented = documentedVariables(DOC);

  it('lists exactly the variables src/config.ts reads, each once', () => {
    const names = documented.map((v) => v.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i), 'listed twice').toEqual([]);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it.each(documented.filter((v) => v.defaultValue !== undefined))('states the default loadConfig applies for $name ($defaultValue)', ({ name, defaultValue }) => {
    expect(loadConfig({ ...BASE_ENV, [name]: defaultValue })).toEqual(loadConfig(BASE_ENV));
  });
});
