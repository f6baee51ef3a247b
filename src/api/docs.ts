import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { buildOpenApiDocument, type RouteDocs } from './openapi.js';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>classbell API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

/**
 * Swagger UI loads only its own files and talks only to this origin; it may not be framed
 * (clickjacking).
 */
const DOCS_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

function docsHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', DOCS_CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
}

/** GET /openapi.json (built once) and Swagger UI at /docs (served from swagger-ui-dist, offline). */
export function docsRouter(extra: RouteDocs[] = []): Router {
  const router = Router();

  let document: unknown;
  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(extra);
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    docsHeaders(res);
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    docsHeaders(res);
    res.type('js').send(INIT);
  });
  router.use('/docs/assets', express.static(swaggerDir, { index: false, maxAge: '1h', setHeaders: docsHeaders }));
  return router;
}
