import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../harness/errors.js';
import { remoteMetricsSchema, resolveRemoteMetrics } from '../../harness/remote/schema.js';

const FILE = 'services/api/service.yaml';

function problem(data: unknown): string {
  try {
    resolveRemoteMetrics(data, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the metrics: block', () => {
  it('resolves the cadvisor preset into its queries, with defaults', () => {
    const resolved = resolveRemoteMetrics({ prometheus: 'http://prometheus.monitoring:9090', preset: 'cadvisor', namespace: 'shop', pod: 'api-.*' }, FILE);
    expect(resolved.source).toBe('cadvisor');
    expect(resolved.templates.cpu).toBe('sum(rate(container_cpu_usage_seconds_total{namespace="shop", pod=~"api-.*", container!="", container!="POD"}[$window]))');
    expect(resolved.templates.memoryKind).toBe('working-set');
    expect(resolved.scrapeIntervalSeconds).toBeUndefined();
    expect(resolved.auth).toEqual({ kind: 'default' });
    expect(resolved.timeoutMs).toBe(10_000);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.templates)).toBe(true);
  });

  it('resolves process-exporter with PSS by default and RSS on request', () => {
    const pss = resolveRemoteMetrics({ prometheus: 'https://prom.example.com/prometheus', preset: 'process-exporter', groupname: 'api' }, FILE);
    expect(pss.templates.memoryKind).toBe('pss');
    expect(pss.templates.rss).toBe('sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="resident"})');
    const rss = resolveRemoteMetrics({ prometheus: 'https://prom.example.com', preset: 'process-exporter', groupname: 'api', memtype: 'resident', scrapeIntervalSeconds: 15, auth: { tokenEnv: 'GRAFANA_CLOUD_TOKEN' } }, FILE);
    expect(rss.templates.memoryKind).toBe('rss');
    expect(rss.templates.rss).toBeUndefined();
    expect(rss.scrapeIntervalSeconds).toBe(15);
    expect(rss.auth).toEqual({ kind: 'bearer', tokenEnv: 'GRAFANA_CLOUD_TOKEN' });
  });

  it('takes custom queries with their memory kind and a selector', () => {
    const resolved = resolveRemoteMetrics(
      { prometheus: 'http://127.0.0.1:9090', cpu: 'sum(rate(process_cpu_seconds_total{job="api"}[$window]))', memory: 'sum(process_resident_memory_bytes{job="api"})', memoryKind: 'rss', selector: 'process_cpu_seconds_total{job="api"}', auth: { userEnv: 'U', passwordEnv: 'P' } },
      FILE,
    );
    expect(resolved.source).toBe('custom');
    expect(resolved.templates).toEqual({ cpu: 'sum(rate(process_cpu_seconds_total{job="api"}[$window]))', memory: 'sum(process_resident_memory_bytes{job="api"})', memoryKind: 'rss', rss: undefined, selector: 'process_cpu_seconds_total{job="api"}' });
    expect(resolved.auth).toEqual({ kind: 'basic', userEnv: 'U', passwordEnv: 'P' });
  });

  it('lets a preset\'s memory query be replaced, with its kind', () => {
    const resolved = resolveRemoteMetrics({ prometheus: 'http://p:9090', preset: 'cadvisor', namespace: 'shop', container: 'api', memory: 'sum(container_memory_rss{namespace="shop", container="api"})', memoryKind: 'rss' }, FILE);
    expect(resolved.templates.memory).toBe('sum(container_memory_rss{namespace="shop", container="api"})');
    expect(resolved.templates.memoryKind).toBe('rss');
    expect(resolved.templates.selector).toBe('container_cpu_usage_seconds_total{namespace="shop", container="api"}');
  });

  it('names what a preset needs', () => {
    expect(problem({ prometheus: 'http://p:9090', preset: 'cadvisor', pod: 'api-.*' })).toBe(
      'Missing `namespace` in services/api/service.yaml: the `cadvisor` preset needs the Kubernetes `namespace` of the service',
    );
    expect(problem({ prometheus: 'http://p:9090', preset: 'cadvisor', namespace: 'shop' })).toContain('the `cadvisor` preset needs `pod` (a regular expression, e.g. `api-.*`) or `container`');
    expect(problem({ prometheus: 'http://p:9090', preset: 'process-exporter' })).toContain('the `process-exporter` preset needs the `groupname`');
  });

  it('rejects fields of the other preset, and labels that clash with a preset\'s', () => {
    expect(problem({ prometheus: 'http://p:9090', preset: 'process-exporter', groupname: 'api', namespace: 'shop' })).toBe(
      'Invalid `namespace` in services/api/service.yaml: `namespace` does not apply to the `process-exporter` preset; remove it',
    );
    expect(problem({ prometheus: 'http://p:9090', preset: 'process-exporter', groupname: 'api', labels: { groupname: 'x' } })).toContain('`labels.groupname` would clash');
    expect(problem({ prometheus: 'http://p:9090', groupname: 'api', cpu: 'x[$window]', memory: 'y', memoryKind: 'rss', scrapeIntervalSeconds: 1 })).toContain('`groupname` belongs to a preset');
  });

  it('asks custom queries for $window, a memory kind and a way to know the scrape interval', () => {
    const message = problem({ prometheus: 'http://p:9090', cpu: 'sum(rate(x[1m]))', memory: 'sum(y)' });
    expect(message).toContain('has 3 problems');
    expect(message).toContain('the cpu query must contain `$window` where its rate window goes');
    expect(message).toContain('a custom `memory` query needs `memoryKind`');
    expect(message).toContain('give `selector` (the raw series your cpu query reads) or `scrapeIntervalSeconds`');
    expect(problem({ prometheus: 'http://p:9090', cpu: 'x[$window]', memory: 'y', memoryKind: 'rss', selector: 'sum(x)' })).toContain('expected a raw series selector');
  });

  it('keeps credentials out of the URL, and wants http(s)', () => {
    expect(problem({ prometheus: 'https://user:secret@prom.example.com', preset: 'process-exporter', groupname: 'api' })).toContain('credentials do not belong in the URL');
    expect(problem({ prometheus: 'ftp://prom', preset: 'process-exporter', groupname: 'api' })).toContain('expected an http:// or https:// URL');
    expect(problem({ prometheus: 'http://prom:9090/?x=1', preset: 'process-exporter', groupname: 'api' })).toContain('without a query or fragment');
  });

  it('suggests the nearest key for a typo', () => {
    expect(problem({ prometheus: 'http://p:9090', preset: 'process-exporter', groupname: 'api', timeoutMS: 5 })).toBe('Unknown key `timeoutMS` in services/api/service.yaml. Did you mean `timeoutMs`?');
    // The typo also leaves `namespace` missing: the unknown key comes first.
    expect(problem({ prometheus: 'http://p:9090', preset: 'cadvisor', namespce: 'shop', pod: 'a' })).toMatch(/^services\/api\/service.yaml has 2 problems:\n {2}- Unknown key `namespce` in services\/api\/service.yaml. Did you mean `namespace`\?\n/);
  });

  it('rejects a pod pattern that is not a regular expression', () => {
    expect(problem({ prometheus: 'http://p:9090', preset: 'cadvisor', namespace: 'shop', pod: 'api-(' })).toContain('expected a regular expression (RE2)');
  });

  it('embeds in a larger schema (the manifest\'s target:) and keeps its JSON Schema', () => {
    const target = z.strictObject({ url: z.string(), metrics: remoteMetricsSchema });
    const parsed = target.parse({ url: 'http://api.shop', metrics: { prometheus: 'http://p:9090', preset: 'process-exporter', groupname: 'api' } });
    expect(parsed.metrics.source).toBe('process-exporter');
    const json = z.toJSONSchema(target, { io: 'input' }) as unknown as { properties: { metrics: { properties: Record<string, unknown> } } };
    expect(Object.keys(json.properties.metrics.properties)).toContain('groupname');
  });
});
