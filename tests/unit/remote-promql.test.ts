import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../harness/errors.js';
import { cadvisorQueries, formatPromDuration, planWindow, processExporterQueries, quoteLabelValue, renderQueries, renderQuery } from '../../harness/remote/promql.js';

describe('preset queries', () => {
  it('cadvisor: a pod regex, and the pod cgroup and pause container left out', () => {
    const queries = cadvisorQueries({ namespace: 'shop', pod: 'api-.*', container: undefined, labels: {} });
    expect(queries.cpu).toBe('sum(rate(container_cpu_usage_seconds_total{namespace="shop", pod=~"api-.*", container!="", container!="POD"}[$window]))');
    expect(queries.memory).toBe('sum(container_memory_working_set_bytes{namespace="shop", pod=~"api-.*", container!="", container!="POD"})');
    expect(queries.memoryKind).toBe('working-set');
    expect(queries.rss).toBeUndefined();
    expect(queries.selector).toBe('container_cpu_usage_seconds_total{namespace="shop", pod=~"api-.*", container!="", container!="POD"}');
  });

  it('cadvisor: an exact container and extra labels in name order', () => {
    const queries = cadvisorQueries({ namespace: 'shop', pod: undefined, container: 'api', labels: { job: 'kubelet', cluster: 'eu' } });
    expect(queries.memory).toBe('sum(container_memory_working_set_bytes{namespace="shop", container="api", cluster="eu", job="kubelet"})');
  });

  it('process-exporter: PSS, with resident beside it', () => {
    const queries = processExporterQueries({ groupname: 'api', memtype: 'proportionalResident', labels: {} });
    expect(queries.cpu).toBe('sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[$window]))');
    expect(queries.memory).toBe('sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="proportionalResident"})');
    expect(queries.memoryKind).toBe('pss');
    expect(queries.rss).toBe('sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="resident"})');
    expect(queries.selector).toBe('namedprocess_namegroup_cpu_seconds_total{groupname="api"}');
  });

  it('process-exporter: resident alone when asked for RSS', () => {
    const queries = processExporterQueries({ groupname: 'api', memtype: 'resident', labels: { instance: 'vm1:9256' } });
    expect(queries.memory).toBe('sum(namedprocess_namegroup_memory_bytes{groupname="api", instance="vm1:9256", memtype="resident"})');
    expect(queries.memoryKind).toBe('rss');
    expect(queries.rss).toBeUndefined();
  });

  it('escapes label values as PromQL strings', () => {
    expect(quoteLabelValue('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(processExporterQueries({ groupname: 'say "hi"', memtype: 'resident', labels: {} }).selector).toBe('namedprocess_namegroup_cpu_seconds_total{groupname="say \\"hi\\""}');
  });
});

describe('durations', () => {
  it('writes whole seconds as s and the rest as ms', () => {
    expect(formatPromDuration(20)).toBe('20s');
    expect(formatPromDuration(2.5)).toBe('2500ms');
    expect(formatPromDuration(10.0071)).toBe('10007ms');
    expect(formatPromDuration(0.001)).toBe('1ms');
  });
  it('refuses a duration under 1 ms', () => {
    expect(() => formatPromDuration(0.0001)).toThrow(ConfigError);
  });
  it('substitutes every $window', () => {
    expect(renderQuery('rate(a[$window]) + rate(b[$window])', 4)).toBe('rate(a[4s]) + rate(b[4s])');
  });
});

describe('planWindow', () => {
  it('1 s scrapes, 20 s window: rate window 4 s, step 0.5 s, 41 points', () => {
    expect(planWindow(1000, 1020, 1)).toEqual({ startEpochSeconds: 1000, endEpochSeconds: 1020, durationSeconds: 20, rateWindowSeconds: 4, stepSeconds: 0.5, expectedPoints: 41 });
  });
  it('15 s scrapes, 60 s window: the window is the rate window, 10 steps of 6 s', () => {
    const plan = planWindow(0, 60, 15);
    expect(plan.rateWindowSeconds).toBe(60);
    expect(plan.stepSeconds).toBe(6);
    expect(plan.expectedPoints).toBe(11);
  });
  it('15 s scrapes, 5 min window: half a scrape interval per step', () => {
    expect(planWindow(0, 300, 15).stepSeconds).toBe(7.5);
  });
  it('a day at 1 s scrapes: the step grows to stay under 10 000 points', () => {
    const plan = planWindow(0, 86_400, 1);
    expect(plan.stepSeconds).toBe(8.64);
    expect(plan.expectedPoints).toBe(10_001);
  });
  it('refuses a window shorter than 4 scrape intervals, saying what to change', () => {
    expect(() => planWindow(0, 50, 15)).toThrow(ConfigError);
    expect(() => planWindow(0, 50, 15)).toThrow('The measured window of 50.0 s is too short for a scrape interval of 15 s: the CPU mean needs at least 4 scrapes in the window (60 s). Lengthen the scenario\'s `durationSeconds` or scrape the target more often.');
  });
  it('refuses an empty or reversed window and a non-positive interval', () => {
    expect(() => planWindow(10, 10, 1)).toThrow(/window is empty/);
    expect(() => planWindow(10, 5, 1)).toThrow(/window is empty/);
    expect(() => planWindow(0, 10, 0)).toThrow(/positive scrape interval/);
  });
  it('renders the mean over the whole window and the points over 4 scrape intervals', () => {
    const queries = renderQueries(processExporterQueries({ groupname: 'api', memtype: 'proportionalResident', labels: {} }), planWindow(0, 20.25, 1));
    expect(queries.cpuMean).toBe('sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[20250ms]))');
    expect(queries.cpuSeries).toBe('sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[4s]))');
    expect(queries.memory).toBe('sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="proportionalResident"})');
  });
});
