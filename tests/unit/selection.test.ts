import { describe, expect, it } from 'vitest';
import { resolveManifest, type ResolvedManifest } from '../../harness/config/manifest.js';
import { resolveScenario, type ResolvedScenario } from '../../harness/config/scenario.js';
import { checkOnlyReferences, selectScenarioServices } from '../../harness/config/selection.js';
import { folderNameWarnings, selectServices } from '../../harness/config/services.js';

function manifest(name: string, implementsList: string[]): ResolvedManifest {
  return resolveManifest({ name, language: 'x', description: 'd', start: ['./x'], implements: implementsList }, `/s/${name}/service.yaml`);
}

function scenario(name: string, workload: string, services?: string[]): ResolvedScenario {
  return resolveScenario({ name, description: 'd', workload, ...(services === undefined ? {} : { services }), requests: [{ path: '/json' }], load: { model: 'closed', connections: 1 } }, `scenarios/${name}.yaml`, { quick: false, availableCpus: 2 });
}

const go = manifest('go', ['json', 'gateway']);
const rust = manifest('rust', ['json', 'gateway']);
const tiny = manifest('tiny-node', ['json']);
const all = [go, rust, tiny];
const gateway = scenario('gateway', 'gateway', ['go', 'rust']);
const json = scenario('json-closed', 'json');

describe('which services each scenario runs', () => {
  it('runs a scenario’s own `services:` by default, and every implementing service without one', () => {
    const { scenarios, skipped } = selectScenarioServices([json, gateway], { all, selected: [go, rust, tiny], isServicesExplicit: false, isScenariosExplicit: false });
    expect(scenarios.map((s) => [s.name, s.services])).toEqual([
      ['json-closed', ['go', 'rust', 'tiny-node']],
      ['gateway', ['go', 'rust']],
    ]);
    expect(skipped).toEqual([]);
  });
  it('lets --services override a scenario’s list (bring your own service)', () => {
    const mine = manifest('mine', ['gateway']);
    const { scenarios } = selectScenarioServices([gateway], { all: [...all, mine], selected: [mine, go], isServicesExplicit: true, isScenariosExplicit: true });
    expect(scenarios[0]!.services).toEqual(['mine', 'go']);
  });
  it('rejects a named scenario that no selected service implements, naming the scenario, the workload and who implements it', () => {
    expect(() => selectScenarioServices([gateway], { all, selected: [tiny], isServicesExplicit: true, isScenariosExplicit: true })).toThrow(
      'Cannot run scenario `gateway` (workload `gateway`): the selected service tiny-node does not implement it; services that do: go, rust. Add one of them to --services, or drop the scenario from the command line.',
    );
  });
  it('skips such a scenario of the default suite with a note, and rejects a suite where nothing can run', () => {
    const { scenarios, skipped } = selectScenarioServices([json, gateway], { all, selected: [tiny], isServicesExplicit: true, isScenariosExplicit: false });
    expect(scenarios.map((s) => s.name)).toEqual(['json-closed']);
    expect(skipped).toEqual(['skipping scenario `gateway` (workload `gateway`): the selected service tiny-node does not implement it; services that do: go, rust']);
    expect(() => selectScenarioServices([gateway], { all, selected: [tiny], isServicesExplicit: true, isScenariosExplicit: false })).toThrow('No scenario of the suite can run with the selected services (tiny-node)');
  });
  it('rejects a scenario whose `services:` names an unknown service or one that does not implement the workload', () => {
    expect(() => selectScenarioServices([scenario('g', 'gateway', ['go', 'pyhton'])], { all, selected: [go], isServicesExplicit: false, isScenariosExplicit: false })).toThrow(
      'Scenario `g` (scenarios/g.yaml) names the unknown service `pyhton` in `services:`. Known services: go, rust, tiny-node.',
    );
    expect(() => selectScenarioServices([scenario('g', 'gateway', ['tiny-node'])], { all, selected: [go], isServicesExplicit: false, isScenariosExplicit: false })).toThrow(
      'lists `tiny-node` in `services:`, but tiny-node does not implement the workload `gateway` (/s/tiny-node/service.yaml implements json).',
    );
  });
});

describe('service names and folders', () => {
  const mine = resolveManifest({ name: 'my-service', language: 'zig', description: 'd', start: ['./x'], implements: ['json'] }, '/dir/zig-svc/service.yaml');
  it('warns when the folder is not named like the service (`name:` wins)', () => {
    expect(folderNameWarnings([go, mine])).toEqual([
      '/dir/zig-svc/service.yaml names its service `my-service`, not `zig-svc` like its folder: `name:` wins, so select it with --services my-service (or rename the folder to match).',
    ]);
  });
  it('points from a folder name given to --services to the service name', () => {
    expect(() => selectServices([go, mine], ['zig-svc'])).toThrow(
      'Unknown service `zig-svc` in --services: zig-svc/ is the folder of the service named `my-service` (/dir/zig-svc/service.yaml); the manifest\'s `name:` names a service, not its folder. Use --services my-service.',
    );
    expect(selectServices([go, mine], ['my-service']).map((manifest) => manifest.name)).toEqual(['my-service']);
  });
});

describe('one service of a scenario with a reference (issue 22 item 12)', () => {
  const legacy = manifest('legacy', ['quote']);
  const rewrite = manifest('rewrite', ['quote']);
  const quote = resolveScenario({ name: 'quote', description: 'd', workload: 'quote', reference: 'legacy', requests: [{ path: '/q' }], load: { model: 'closed', connections: 1 } }, 'scenarios/quote.yaml', { quick: false, availableCpus: 2 });
  it('runs the rewrite alone (it used to be refused: "Add legacy to --services"), the reference started for the check only', () => {
    const { scenarios } = selectScenarioServices([quote], { all: [legacy, rewrite], selected: [rewrite], isServicesExplicit: true, isScenariosExplicit: true });
    expect(scenarios.map((s) => [s.name, s.services, s.reference])).toEqual([['quote', ['rewrite'], 'legacy']]);
    expect(checkOnlyReferences(scenarios, [legacy, rewrite]).map((m) => m.name)).toEqual(['legacy']);
  });
  it('needs no check-only reference when the reference runs anyway', () => {
    const { scenarios } = selectScenarioServices([quote], { all: [legacy, rewrite], selected: [legacy, rewrite], isServicesExplicit: false, isScenariosExplicit: true });
    expect(checkOnlyReferences(scenarios, [legacy, rewrite])).toEqual([]);
  });
  it('still refuses an unknown reference', () => {
    const odd = { ...quote, reference: 'legasy' };
    expect(() => selectScenarioServices([odd], { all: [legacy, rewrite], selected: [rewrite], isServicesExplicit: true, isScenariosExplicit: true })).toThrow('names the unknown service `legasy` as its `reference:`');
  });
});
