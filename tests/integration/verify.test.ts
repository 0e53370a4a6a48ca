import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../harness/config/services.js';
import { verifyServices } from '../../harness/verify/verify.js';
import { CONTRACT_ORACLE } from '../../harness/suite/contract.js';
import { builtIn, FIXTURES } from './helpers.js';

describe('verify against the shared contract', () => {
  it('passes for python, go, rust and python-rust: vectors, 200 random requests per endpoint, clean SIGTERM', async () => {
    const { services } = await builtIn();
    expect(services.map((service) => service.name).sort()).toEqual(['go', 'python', 'python-rust', 'rust']);
    const results = await verifyServices({ services, oracle: CONTRACT_ORACLE, randomPerEndpoint: 200, seed: 99, log: () => {} });
    for (const result of results) {
      expect(result.failures, result.service).toEqual([]);
      expect(result.state).toBe('pass');
      // 2 base vectors + every workload's vectors + 200 random per endpoint + the shutdown check.
      expect(result.checked).toBeGreaterThan(900);
    }
  });

  it('fails a service whose /json differs by one byte, naming the service, the vector and the byte', async () => {
    const [fixture] = await loadManifests([path.join(FIXTURES, 'services')]);
    const [result] = await verifyServices({ services: [fixture!], oracle: CONTRACT_ORACLE, randomPerEndpoint: 0, seed: 1, log: () => {} });
    expect(result!.state).toBe('fail');
    expect(result!.failures).toHaveLength(1);
    expect(result!.failures[0]).toContain('off-by-one: vector json (GET /json): body differs at byte 24');
    expect(result!.failures[0]).toContain('got:      "{\\"message\\":\\"Hello, World?\\"}"');
    expect(result!.failures[0]).toContain('expected: "{\\"message\\":\\"Hello, World!\\"}"');
  });
});
