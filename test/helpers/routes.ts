import type { Express } from 'express';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/**
 * Everything the express app really serves, found by walking its router stack: `METHOD /path`
 * for each route (express params kept as `:name`, no trailing slash) and `USE /path` for each
 * handler mounted under a path that is not a router (static files, Bull Board's own app).
 * Path-less middleware (request id, body parser, 404 and error handlers) is not listed.
 */
export function mountedEndpoints(app: Express): string[] {
  const out = new Set<string>();
  const clean = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.add(`${method.toUpperCase()} ${clean(prefix + layer.route.path)}`);
      } else if (layer.handle.stack && typeof raw === 'string') {
        walk(layer.handle.stack, raw === '/' ? prefix : prefix + raw);
      } else if (typeof raw === 'string' && raw !== '/') {
        out.add(`USE ${clean(prefix + raw)}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...out];
}
