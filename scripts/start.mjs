// `npm start` / `npm run start:api` / `npm run start:worker`: runs classbell's compiled modules
// (scripts/fast-build.mjs; rebuilt in about 100 ms when a source file changed) with the same
// arguments. From a source checkout only; the Docker image runs dist/src/main.js.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ensureBuild } from './fast-build.mjs';

const dir = await ensureBuild();
await import(pathToFileURL(join(dir, 'src', 'main.js')).href);
