// The npm registry this project is built from lacks some platform builds of msgpackr-extract
// (an optional native speed-up of BullMQ's msgpackr). `npm install` then leaves them out of
// package-lock.json and `npm ci` refuses the lock. Entries naming their os/cpu are skipped on
// other platforms without a download, so adding them keeps `npm ci` working everywhere.
// Run after `npm install` whenever package-lock.json changes: node scripts/lock-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const parent = lock.packages['node_modules/msgpackr-extract'];
let added = 0;
for (const [name, version] of Object.entries(parent?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = name.split('msgpackr-extract-')[1].split('-');
  lock.packages[key] = { version, cpu: [cpu], license: 'MIT', optional: true, os: [os] };
  added++;
}
const { '': root, ...rest } = lock.packages;
lock.packages = { '': root, ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))) };
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform stub(s) added`);
