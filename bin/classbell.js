#!/usr/bin/env node
// The `classbell` operator CLI. From a source checkout it runs src/cli/main.ts
// through tsx (no build needed); where only the build exists (the Docker image
// ships dist/ without src/), it runs dist/src/cli/main.js.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const source = new URL('src/cli/main.ts', root);
const built = new URL('dist/src/cli/main.js', root);

// The source wins when both exist, so a stale `npm run build` never shadows an edit.
if (existsSync(source) || !existsSync(built)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(built.href);
}
