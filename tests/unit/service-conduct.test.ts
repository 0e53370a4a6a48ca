/**
 * What a started service must do beyond answering alike (issue 22 item 12): listen on HOST, not
 * every interface; on SIGTERM finish its requests and exit 0.
 */
import { describe, expect, it } from 'vitest';
import { bindFinding, stopProblem } from '../../harness/run/service-conduct.js';

const clean = { exit: { exitCode: 0, signal: undefined }, killed: false };

describe('how a service stops', () => {
  it('is fine when it exits 0 after SIGTERM', () => {
    expect(stopProblem('svc', { died: undefined, outputTail: '', stopped: clean })).toBeUndefined();
  });
  it('is a problem, with what to do, when the signal kills it (it used to pass unnoticed), when it exits with another code, or ignores it', () => {
    expect(stopProblem('svc', { died: undefined, outputTail: '', stopped: { exit: { exitCode: undefined, signal: 'SIGTERM' }, killed: false } })).toBe(
      'svc was killed by SIGTERM instead of finishing its in-flight requests and exiting 0 (it has no handler for the signal, or re-raised it). On SIGTERM a service must stop accepting connections, finish the requests in flight and exit 0 (within 10 s): in production a deploy or a scale-down would otherwise cut the requests it was serving. Its runs were measured and are kept.',
    );
    expect(stopProblem('svc', { died: undefined, outputTail: '', stopped: { exit: { exitCode: 143, signal: undefined }, killed: false } })).toMatch(/^svc exited with code 143 after SIGTERM instead of 0\. On SIGTERM/);
    expect(stopProblem('svc', { died: undefined, outputTail: '', stopped: { exit: { exitCode: undefined, signal: 'SIGKILL' }, killed: true } })).toMatch(/^svc ignored SIGTERM and was killed after the grace period\. On SIGTERM/);
  });
  it('reports a crash during the run once, with its last output', () => {
    const lines = Array.from({ length: 12 }, (_, index) => `line ${index + 1}`).join('\n');
    expect(stopProblem('svc', { died: { exitCode: 1, signal: undefined }, outputTail: lines, stopped: { exit: { exitCode: 1, signal: undefined }, killed: false } })).toBe(`svc died during the run (exit code 1, signal undefined). Last output:\n${lines.split('\n').slice(2).join('\n')}`);
  });
});

describe('where a service listens', () => {
  it('warns about every interface (0.0.0.0 or ::), saying how to listen on HOST', () => {
    expect(bindFinding([{ inode: 1, address: '0.0.0.0', isWildcard: true }], 8080)).toEqual({
      code: 'binds-all-interfaces',
      text: 'the service listens on 0.0.0.0:8080, every interface, not on HOST (127.0.0.1): other machines could reach it while it was measured',
      next: 'listen on the HOST the harness gives: `server.listen(PORT, process.env.HOST)`, `app.run(host=os.environ["HOST"])`, or `"--host=${HOST}"` in `start`',
      concerns: [],
    });
    expect(bindFinding([{ inode: 2, address: '::', isWildcard: true }], 8080)?.text).toContain('listens on [::]:8080');
  });
  it('says nothing for HOST, or when nothing is known of its sockets', () => {
    expect(bindFinding([{ inode: 1, address: '127.0.0.1', isWildcard: false }], 8080)).toBeUndefined();
    expect(bindFinding(undefined, 8080)).toBeUndefined();
  });
});
