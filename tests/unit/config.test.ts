import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveManifest } from '../../harness/config/manifest.js';
import { QUICK_DEFAULTS, resolveScenario } from '../../harness/config/scenario.js';
import { runOptions } from '../../harness/commands/run.js';
import { formatYamlSyntaxError, positionOf } from '../../harness/config/yaml-error.js';
import { ConfigError } from '../../harness/errors.js';

const manifest = {
  name: 'rust',
  language: 'rust',
  description: 'axum',
  build: [['cargo', 'build', '--release']],
  start: ['./target/release/x'],
  implements: ['json'],
};

function manifestError(data: unknown): string {
  try {
    resolveManifest(data, 'services/x/service.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('service manifests', () => {
  it('accepts a valid manifest and fills defaults', () => {
    const resolved = resolveManifest(manifest, '/repo/services/rust/service.yaml');
    expect(resolved.ready).toBe('/health');
    expect(resolved.env).toEqual({});
    expect(resolved.dir).toBe('/repo/services/rust');
    expect(Object.isFrozen(resolved)).toBe(true);
  });
  it('rejects a typo in a key, naming the key and the file', () => {
    expect(manifestError({ ...manifest, bulid: [] })).toBe('Unknown key `bulid` in services/x/service.yaml. Did you mean `build`?');
    expect(manifestError({ ...manifest, colour: 'red' })).toContain('Allowed keys here: `name`, `language`');
  });
  it('names the field, the expectation and what was found', () => {
    expect(manifestError({ ...manifest, start: 'cargo run' })).toBe('Expected `start` in services/x/service.yaml to be a list, got `"cargo run"` (string).');
    expect(manifestError({ ...manifest, build: [['cargo', 7]] })).toBe('Expected `build[0][1]` in services/x/service.yaml to be a string, got `7` (number).');
    expect(manifestError({ ...manifest, implements: ['Quote Service'] })).toContain('Expected `implements[0]` in services/x/service.yaml to be a string matching');
    // Workloads are open: any name a scenario uses.
    expect(resolveManifest({ ...manifest, implements: ['quote'] }, '/r/services/x/service.yaml').implements).toEqual(['quote']);
  });
  it('reports every problem at once, the typo first with the key it likely meant (`strat` for `start`)', () => {
    const { start: _start, ...withoutStart } = manifest;
    expect(manifestError({ ...withoutStart, strat: ['./server'], language: 7 })).toBe(
      [
        'services/x/service.yaml has 3 problems:',
        '  - Unknown key `strat` in services/x/service.yaml. Did you mean `start`?',
        '  - Expected `language` in services/x/service.yaml to be a string, got `7` (number).',
        '  - Missing `start` in services/x/service.yaml: give `start` (the command that starts the service) or `target: {url: …}` (a service running elsewhere that the harness does not start)',
      ].join('\n'),
    );
  });
  it('reports a missing field', () => {
    const { start: _start, ...withoutStart } = manifest;
    expect(manifestError(withoutStart)).toBe('Missing `start` in services/x/service.yaml: give `start` (the command that starts the service) or `target: {url: …}` (a service running elsewhere that the harness does not start)');
  });
  it('rejects an empty argv, a bad name and an absolute artifact path', () => {
    expect(manifestError({ ...manifest, start: [] })).toContain('`start`');
    expect(manifestError({ ...manifest, name: 'Rust Service' })).toContain('`name`');
    expect(manifestError({ ...manifest, artifact: '/usr/bin/x' })).toContain('`artifact`');
    expect(manifestError(null)).toContain('(top level)');
  });
});

const scenario = {
  name: 'json-closed',
  description: 'd',
  workload: 'json',
  requests: [{ path: '/json' }],
  load: { model: 'closed', connections: 8 },
};

function scenarioError(data: unknown, availableCpus = 2): string {
  try {
    resolveScenario(data, 'scenarios/x.yaml', { quick: false, availableCpus });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('scenarios', () => {
  it('accepts a minimal scenario with defaults', () => {
    const resolved = resolveScenario(scenario, 'scenarios/x.yaml', { quick: false, availableCpus: 2 });
    expect(resolved.durationSeconds).toBe(10);
    expect(resolved.service).toEqual({ workers: 1, cpus: 1, env: {}, readyTimeoutSeconds: 60 });
    expect(resolved.requests[0]).toEqual({ weight: 1, method: 'GET', path: '/json', headers: {}, vars: {}, variants: 256, expectStatus: 200 });
  });
  it('applies quick overrides only with --quick', () => {
    const data = { ...scenario, durationSeconds: 30, quick: { durationSeconds: 2 } };
    expect(resolveScenario(data, 'x', { quick: true, availableCpus: 2 }).durationSeconds).toBe(2);
    expect(resolveScenario(data, 'x', { quick: false, availableCpus: 2 }).durationSeconds).toBe(30);
  });
  it('gives every scenario a quick form: without `quick:`, one repetition, a short warm-up and window, the probe shortened (issue 22 item 9)', () => {
    const timed = (data: object, quick: boolean) => {
      const resolved = resolveScenario({ ...scenario, warmupSeconds: 5, durationSeconds: 30, repetitions: 7, ...data }, 'x', { quick, availableCpus: 2 });
      return { repetitions: resolved.repetitions, warmupSeconds: resolved.warmupSeconds, durationSeconds: resolved.durationSeconds, probeSeconds: resolved.load.model === 'open' ? resolved.load.probe.seconds : undefined };
    };
    const sweep = { load: { model: 'open', capacityFractions: [0.5, 0.8], probe: { seconds: 5 } } };
    // A user's scenario with no quick block took its full timings under --quick (7 minutes instead of about 1).
    expect(timed(sweep, true)).toEqual({ repetitions: 1, warmupSeconds: 0.5, durationSeconds: 1, probeSeconds: 1 });
    expect(timed(sweep, false)).toEqual({ repetitions: 7, warmupSeconds: 5, durationSeconds: 30, probeSeconds: 5 });
    // What `quick:` gives wins; what it leaves out comes from the defaults; shorter own timings stay.
    expect(timed({ ...sweep, quick: { durationSeconds: 2 } }, true)).toEqual({ repetitions: 1, warmupSeconds: 0.5, durationSeconds: 2, probeSeconds: 2 });
    expect(timed({ warmupSeconds: 0.2, durationSeconds: 0.5, quick: { repetitions: 2 } }, true)).toEqual({ repetitions: 2, warmupSeconds: 0.2, durationSeconds: 0.5, probeSeconds: undefined });
    expect(QUICK_DEFAULTS).toEqual({ repetitions: 1, warmupSeconds: 0.5, durationSeconds: 1, probeSeconds: 1 });
  });
  it('says in `run --help` what --quick does, from the same defaults', () => {
    expect(runOptions.quick.help).toContain('one repetition, at most 0.5 s of warm-up and 1 s windows');
    expect(runOptions.quick.help).not.toContain('3 valid runs');
  });
  it.each<[unknown, string]>([
    [{ ...scenario, duration: 5 }, 'Unknown key `duration` in scenarios/x.yaml'],
    [{ ...scenario, durationSeconds: 0 }, 'Expected `durationSeconds` in scenarios/x.yaml to be a number > 0, got `0` (number).'],
    [{ ...scenario, durationSeconds: '10s' }, 'Expected `durationSeconds` in scenarios/x.yaml to be a number, got `"10s"` (string).'],
    [{ ...scenario, repetitions: 1.5 }, 'Expected `repetitions` in scenarios/x.yaml to be a int'],
    [{ ...scenario, requests: [] }, 'Expected `requests` in scenarios/x.yaml to be a list of at least 1 item(s), got `[]` (array).'],
    [{ ...scenario, workload: 'Quote!' }, 'Expected `workload` in scenarios/x.yaml to be a string matching'],
    [{ ...scenario, load: { model: 'closed', connections: 0 } }, 'Expected `load.connections` in scenarios/x.yaml to be a number > 0, got `0` (number).'],
    [{ ...scenario, load: { model: 'open', ratesPerSecond: [0] } }, 'Expected `load.ratesPerSecond[0]` in scenarios/x.yaml to be a number > 0, got `0` (number).'],
    [{ ...scenario, load: { model: 'open', ratesPerSecond: [-5] } }, '`load.ratesPerSecond[0]`'],
    [{ ...scenario, load: { model: 'open' } }, 'expected exactly one of `ratesPerSecond`'],
    [{ ...scenario, load: { model: 'open', ratesPerSecond: [10], capacityFractions: [0.5] } }, 'expected exactly one of `ratesPerSecond`'],
    [{ ...scenario, load: { model: 'burst', connections: 1 } }, '`load.model`'],
    [{ ...scenario, requests: [{ path: 'json' }] }, 'Expected `requests[0].path` in scenarios/x.yaml to be a string starting with "/", got `"json"` (string).'],
    [{ ...scenario, requests: [{ generator: { name: 'process', records: 0 } }] }, 'Expected `requests[0].generator.records` in scenarios/x.yaml to be a number > 0, got `0` (number).'],
    [{ ...scenario, service: { workers: 0 } }, 'Expected `service.workers` in scenarios/x.yaml to be a number > 0, got `0` (number).'],
    [{ ...scenario, service: { env: { 'BAD-NAME': 'x' } } }, '`service.env'],
    [{ ...scenario, name: 'Has Spaces' }, '`name`'],
    [{ ...scenario, warmupSeconds: -1 }, 'Expected `warmupSeconds` in scenarios/x.yaml to be a number >= 0, got `-1` (number).'],
    [{ ...scenario, services: [] }, '`services`'],
    [{ ...scenario, quick: { repetitions: 0 } }, '`quick.repetitions`'],
    [{ ...scenario, fixtures: { upstream: { delayMs: -1 } } }, '`fixtures.upstream.delayMs`'],
    [{ ...scenario, upstream: { delayMs: 5 } }, 'Unknown key `upstream` in scenarios/x.yaml. Did you mean `fixtures`?'.slice(0, 40)],
    [{ ...scenario, services: ['a'], reference: 'b' }, 'Expected `reference` in scenarios/x.yaml to be one of the scenario\'s `services` (a), got `b`.'],
    ['just a string', '(top level)'],
  ])('rejects bad scenario %#: %s', (data, expected) => {
    expect(scenarioError(data)).toContain(expected);
  });
  it('rejects more service CPUs than the machine leaves for the load generator', () => {
    expect(scenarioError({ ...scenario, service: { cpus: 2 } }, 2)).toBe(
      'Expected `service.cpus` in scenarios/x.yaml to leave at least one CPU for the load generator: this machine lets us use 2 CPU(s), got `2` (number).',
    );
  });
});

describe('published JSON Schema', () => {
  it.each(['project.schema.json', 'scenario.schema.json', 'service.schema.json'])('harness/schemas/%s equals the schema (run `npm run generate` after changing it)', async (file) => {
    const { readFileSync } = await import('node:fs');
    const { EDITOR_SCHEMAS } = await import('../../harness/config/schemas.js');
    const committed = readFileSync(new URL(`../../harness/schemas/${file}`, import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(EDITOR_SCHEMAS[file]!(), null, 2)}\n`);
  });
});

function yamlError(file: string, text: string): string {
  try {
    parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    return formatYamlSyntaxError(file, text, error);
  }
  throw new Error('expected a YAML syntax error');
}

describe('YAML syntax errors', () => {
  it('names the line where an unclosed [ opened, not only the line where the parser noticed, and shows both with a caret', () => {
    const text = ['name: x', 'description: d', 'workload: json', 'load:', '  model: closed', '  connections: [8, 9', 'warmupSeconds: 1', ''].join('\n');
    expect(yamlError('s.yaml', text)).toBe(
      [
        's.yaml is not valid YAML: the `[` opened at line 6, column 16 is never closed (the parser noticed at line 7, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]).',
        '  6 |   connections: [8, 9',
        '    |                ^',
        '  7 | warmupSeconds: 1',
        '    | ^',
        'Close it with `]` on line 6, or write the list as indented `- item` lines.',
      ].join('\n'),
    );
  });
  it('says when the parser ran into the end of the file, and never ends on a bare colon', () => {
    const message = yamlError('m.yaml', 'name: broken\nrequests: [\n');
    expect(message).toContain('the `[` opened at line 2, column 11 is never closed');
    expect(message).toContain('    | (end of file)');
    expect(message).not.toMatch(/:\s*$/);
  });
  it('finds an unclosed { and an unclosed quote', () => {
    expect(yamlError('e.yaml', 'a: {x: 1, y: [1, 2]\nb: 2\n')).toContain('the `{` opened at line 1, column 4 is never closed');
    expect(yamlError('q.yaml', 'a: 1\nb: "x\nc: 2\n')).toContain('the quote " opened at line 2, column 4 is never closed');
  });
  it('shows the offending line with a caret for other errors', () => {
    expect(yamlError('d.yaml', 'a: 1\na: 2\n')).toBe(['d.yaml is not valid YAML: Map keys must be unique at line 2, column 1.', '  2 | a: 2', '    | ^', 'Remove one of the two or rename it.'].join('\n'));
  });
  it('counts lines and columns from 1', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ line: 1, col: 1 });
    expect(positionOf('ab\ncd', 4)).toEqual({ line: 2, col: 2 });
  });
});
