// Compiles src/ and workers/ with esbuild (type-stripping only: `npm run typecheck` checks types)
// into .build/<fingerprint>/, with the Lua scripts and the dashboard's static files beside their
// modules. `npm start` runs that instead of TypeScript through tsx: a process is ready about a
// second sooner (a restarted worker takes its share of the drains sooner). The fingerprint covers
// every source file's path, size and mtime, so an edit means a new build (about 100 ms), and
// processes starting at once share one build: each writes its own temporary folder and renames it
// into place, and a lost race just uses the winner's.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.build');
const SOURCES = ['src', 'workers'];

function walk(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, files);
    else files.push(path);
  }
  return files;
}

function fingerprint(files) {
  const hash = createHash('sha1');
  for (const file of files) {
    const s = statSync(file);
    hash.update(`${relative(ROOT, file)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Returns the folder holding the compiled entry points (src/main.js, src/cli/main.js…), building it if needed. */
export async function ensureBuild() {
  const files = SOURCES.flatMap((dir) => walk(join(ROOT, dir))).sort();
  const target = join(OUT, fingerprint(files));
  if (existsSync(join(target, 'src', 'main.js'))) return target;
  const { build, stop } = await import('esbuild');
  const temp = `${target}.tmp-${process.pid}`;
  const ts = files.filter((f) => f.endsWith('.ts'));
  await build({ entryPoints: ts, outdir: temp, outbase: ROOT, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', logLevel: 'warning' });
  // esbuild's service process would otherwise live as long as the service it built.
  await stop();
  for (const file of files.filter((f) => !f.endsWith('.ts'))) {
    const to = join(temp, relative(ROOT, file));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(file, to);
  }
  try {
    renameSync(temp, target);
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another process built the same sources first
  }
  // Older builds go after a day (a process started from one may still read its Lua scripts).
  for (const old of readdirSync(OUT)) {
    const path = join(OUT, old);
    if (path !== target && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
  }
  return target;
}

// `node scripts/fast-build.mjs` (npm's prepare step, after install): build once ahead of time.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (SOURCES.every((dir) => existsSync(join(ROOT, dir)))) await ensureBuild();
}
