import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createHarness, type Harness } from '../helpers/harness.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every (METHOD, path) the express app really serves, found by walking its router stack. */
function mountedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (layer.handle.stack && typeof raw === 'string') {
        walk(layer.handle.stack, raw === '/' ? prefix : prefix + raw);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out.map((r) => r.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1'));
}

describe('OpenAPI document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('openapi', { workers: false });
  });
  afterAll(() => h.close());

  it('documents every mounted API route (UI pages aside)', async () => {
    const doc = (await request(h.app).get('/openapi.json').expect(200)).body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    const routes = mountedRoutes(h.app).filter((r) => !/ \/(admin|docs)(\/|$)/.test(r));
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('describes request bodies from the validating zod schemas', async () => {
    const doc = (await request(h.app).get('/openapi.json').expect(200)).body;
    const school = doc.paths['/v1/schools'].post.requestBody.content['application/json'].schema;
    expect(school.required).toEqual(expect.arrayContaining(['sid', 'name', 'endpointUrl']));
    const events = JSON.stringify(doc.paths['/v1/events'].post.requestBody);
    for (const type of ['hands_up', 'network_sample', 'sub_account_set']) expect(events).toContain(type);
  });

  it('serves Swagger UI at /docs from local assets', async () => {
    const page = await request(h.app).get('/docs').expect(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    expect((await request(h.app).get('/docs/init.js').expect(200)).text).toContain("url: '/openapi.json'");
    await request(h.app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
  });

  it('exposes Prometheus metrics', async () => {
    await request(h.app).get('/metrics').expect(401); // it names schools: not for anyone
    const res = await request(h.app).get('/metrics').set(admin).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['classbell_events_ingested_total', 'classbell_pushes_total', 'classbell_push_duration_seconds', 'classbell_ingest_to_ack_seconds', 'classbell_backlog_events', 'classbell_process_cpu_seconds_total']) {
      expect(res.text).toContain(name);
    }
    // The sample Grafana dashboard only uses metrics that exist.
    const grafana = readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8');
    const used = new Set([...grafana.matchAll(/classbell_\w+/g)].map((m) => m[0]));
    expect(used.size).toBeGreaterThan(8);
    for (const name of used) expect(res.text, name).toContain(name);
  });
});
