/**
 * One set of limits (harness/engine/limits.json): a scenario at every limit the config allows
 * makes a job the native engine accepts (checked by the engine binary itself with `--check`,
 * which validates and runs nothing), seconds become whole milliseconds, and a scenario past the
 * engine's limits is refused by the config, naming the limit.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../harness/config/scenario.js';
import { ConfigError } from '../../harness/errors.js';
import { ENGINE_BINARY, nativeJobText } from '../../harness/load/engines/native.js';
import { engineThreads } from '../../harness/load/engines/select.js';
import { ENGINE_LIMITS, secondsToMs } from '../../harness/load/limits.js';
import { loadJobFor } from '../../harness/run/load-job.js';

const FILE = 'scenarios/limits.yaml';
const base = { name: 'limits', description: 'every limit', workload: 'json', requests: [{ path: '/json' }] };

async function engineCheck(jobText: string): Promise<{ exitCode: number | undefined; line: { type: string; message?: string } }> {
  const result = await execa(ENGINE_BINARY, ['--check'], { input: jobText, reject: false });
  return { exitCode: result.exitCode, line: JSON.parse(String(result.stdout).split('\n')[0]!) as { type: string; message?: string } };
}

describe('the limits of a load job', () => {
  it('a scenario at every limit makes a job the engine accepts', async () => {
    const scenario = resolveScenario(
      {
        ...base,
        load: { model: 'open', connections: 1000, ratesPerSecond: [1_000_000] },
        warmupSeconds: 600,
        durationSeconds: ENGINE_LIMITS.durationSeconds,
        timeoutSeconds: ENGINE_LIMITS.timeoutMs / 1000,
      },
      FILE,
      { quick: false, availableCpus: 2 },
    );
    const threads = engineThreads(100_000, 1000);
    expect(threads).toBe(ENGINE_LIMITS.threads);
    const job = loadJobFor(scenario, 'http://api.shop.svc.cluster.local:8080', { ratePerSecond: 1_000_000, capacityFraction: undefined }, 4_294_967_295, { engine: 'native', threads });
    expect(job.timeoutMs).toBe(ENGINE_LIMITS.timeoutMs);
    const { exitCode, line } = await engineCheck(nativeJobText(job));
    expect(line, line.message).toMatchObject({ type: 'valid' });
    expect(exitCode).toBe(0);
    // The closed loop and the smallest timeout too.
    const closed = resolveScenario({ ...base, load: { model: 'closed', connections: 1000 }, timeoutSeconds: 0.001, durationSeconds: 0.001, warmupSeconds: 0 }, FILE, { quick: false, availableCpus: 2 });
    const closedJob = loadJobFor(closed, 'https://localhost', { ratePerSecond: undefined, capacityFraction: undefined }, 0, { engine: 'native', threads: 1 });
    expect(closedJob.timeoutMs).toBe(1);
    expect((await engineCheck(nativeJobText(closedJob))).exitCode).toBe(0);
  });

  it('turns seconds into whole milliseconds, so a fractional timeout is a valid job', async () => {
    expect(1.005 * 1000).not.toBe(1005);
    expect(secondsToMs(1.005)).toBe(1005);
    expect(secondsToMs(0.0014)).toBe(1);
    const scenario = resolveScenario({ ...base, load: { model: 'open', ratesPerSecond: [100] }, timeoutSeconds: 1.005 }, FILE, { quick: false, availableCpus: 2 });
    const job = loadJobFor(scenario, 'http://127.0.0.1:8080', { ratePerSecond: 100, capacityFraction: undefined }, 1, { engine: 'native', threads: 1 });
    expect(job.timeoutMs).toBe(1005);
    expect((await engineCheck(nativeJobText(job))).exitCode).toBe(0);
  });

  it('refuses in the config what the engine would refuse, naming the limit', () => {
    const refuse = (data: object): string => {
      try {
        resolveScenario({ ...base, load: { model: 'open', ratesPerSecond: [100] }, ...data }, FILE, { quick: false, availableCpus: 2 });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refuse({ timeoutSeconds: 3600 })).toContain('timeoutSeconds');
    expect(refuse({ timeoutSeconds: 3600 })).toContain('600');
    expect(refuse({ timeoutSeconds: 0.0004 })).toContain('timeoutSeconds');
    expect(refuse({ durationSeconds: ENGINE_LIMITS.durationSeconds + 1 })).toContain('durationSeconds');
  });

  it('the engine rejects a job one past its timeout limit (the limits are the engine\'s own)', async () => {
    const scenario = resolveScenario({ ...base, load: { model: 'open', ratesPerSecond: [100] } }, FILE, { quick: false, availableCpus: 2 });
    const job = { ...loadJobFor(scenario, 'http://127.0.0.1:8080', { ratePerSecond: 100, capacityFraction: undefined }, 1, { engine: 'native', threads: 1 }), timeoutMs: ENGINE_LIMITS.timeoutMs + 1 };
    const { exitCode, line } = await engineCheck(nativeJobText(job));
    expect(exitCode).toBe(2);
    expect(line.message).toBe(`Expected \`timeoutMs\` in the load job to be an integer from 1 to ${ENGINE_LIMITS.timeoutMs}, got \`${ENGINE_LIMITS.timeoutMs + 1}\` (number).`);
  });
});
