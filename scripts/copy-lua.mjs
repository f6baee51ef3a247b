// tsc does not copy non-TypeScript assets: put every Lua script beside its compiled module.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.lua')) cpSync(path, join('dist', path));
  }
}
for (const root of ['src', 'workers']) walk(root);

// The dashboard's static assets (CSS, browser scripts) are served from beside src/admin/router.
cpSync(join('src', 'admin', 'static'), join('dist', 'src', 'admin', 'static'), { recursive: true });
