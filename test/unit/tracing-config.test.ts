/** When tracing is on (docs/tracing.md), and that nothing but the SDK module loads OpenTelemetry. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const BASE = { ADMIN_TOKEN: 'tracing-config-test-token' };
const ENDPOINT = 'http://127.0.0.1:4318';

describe('tracing settings', () => {
  it('are off without an OTLP endpoint', () => {
    expect(loadConfig(BASE).tracing).toBeUndefined();
    expect(loadConfig({ ...BASE, OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toBeUndefined();
  });

  it('are on with either endpoint, over http/protobuf unless told otherwise', () => {
    expect(loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT }).tracing).toEqual({ protocol: 'http/protobuf' });
    expect(loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ENDPOINT}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toEqual({ protocol: 'http/json' });
    expect(loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).tracing)
      .toEqual({ protocol: 'http/protobuf' });
  });

  it('are off when the SDK is disabled or the traces exporter is none', () => {
    expect(loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('refuse gRPC and a endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json/);
    expect(() => loadConfig({ ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
  });
});

describe('the OpenTelemetry packages', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });
  }

  it('are imported at run time by src/lib/tracing-sdk.ts alone, which main.ts loads only when tracing is on', () => {
    const importers = [...sources('src'), ...sources('workers')].filter((file) => /^import (?!type )[^;]*from '@opentelemetry\//m.test(readFileSync(file, 'utf8')));
    expect(importers).toEqual([join('src', 'lib', 'tracing-sdk.ts')]);
    const main = readFileSync(join('src', 'main.ts'), 'utf8');
    expect(main).toContain("if (!config.tracing) return undefined;\n  const { createTracing } = await import('./lib/tracing-sdk.js');");
    expect(main).not.toMatch(/^import [^;]*tracing-sdk/m);
  });
});
