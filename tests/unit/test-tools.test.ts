import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_INSTALL_COMMAND, checkGo, GO_TOOLS, goBuildArgs, planChromium, toolKey } from '../../harness/dev/test-tools-plan.js';
import { ROOT } from '../../harness/paths.js';

describe('the test set-up: Chromium', () => {
  it('does nothing when it is there', () => {
    expect(planChromium({ hasChromium: true, isRoot: false, hasAptGet: false })).toEqual({ state: 'present' });
  });

  it('installs Debian\'s package as root', () => {
    expect(planChromium({ hasChromium: false, isRoot: true, hasAptGet: true })).toEqual({ state: 'install', commands: [['apt-get', 'update'], ['apt-get', 'install', '-y', 'chromium']] });
  });

  it('stops naming the one command when not root', () => {
    const action = planChromium({ hasChromium: false, isRoot: false, hasAptGet: true });
    expect(action).toEqual({ state: 'stop', message: `The report's browser tests need Chromium at /usr/bin/chromium, which is missing. Install it with \`${CHROMIUM_INSTALL_COMMAND}\`, then run npm test again.` });
    expect(CHROMIUM_INSTALL_COMMAND).toBe('sudo apt-get install chromium');
  });

  it('stops when there is no apt-get, even as root', () => {
    expect(planChromium({ hasChromium: false, isRoot: true, hasAptGet: false })).toMatchObject({ state: 'stop', message: expect.stringMatching(/no apt-get/) });
  });
});

describe('the test set-up: Go tools', () => {
  it('needs Go, new enough for the tools\' go.mod', () => {
    expect(checkGo(undefined)).toMatch(/^Go is not on PATH\. Install Go 1\.26 or later/);
    expect(checkGo('go version go1.21.4 linux/amd64')).toMatch(/^Go 1\.21 is too old\./);
    expect(checkGo('go version go1.26.8 linux/amd64')).toBeUndefined();
    expect(checkGo('something else')).toMatch(/^Could not read Go's version/);
  });

  it('rebuilds a tool when its pinned modules change, and only then', () => {
    const tool = GO_TOOLS[0]!;
    const key = toolKey(tool, 'module a\nrequire x v1\n', 'x v1 h1:abc=\n');
    expect(toolKey(tool, 'module a\nrequire x v1\n', 'x v1 h1:abc=\n')).toBe(key);
    expect(toolKey(tool, 'module a\nrequire x v2\n', 'x v1 h1:abc=\n')).not.toBe(key);
    expect(toolKey(tool, 'module a\nrequire x v1\n', 'x v1 h1:abd=\n')).not.toBe(key);
  });

  it('builds from the committed go.sum, never resolving versions on its own', () => {
    for (const tool of GO_TOOLS) expect(goBuildArgs(tool, '/out')).toEqual(expect.arrayContaining(['build', '-mod=readonly', '-o', '/out', tool.mainPackage]));
  });

  it.each(GO_TOOLS.map((tool) => [tool.name, tool] as const))('%s: the wrapper module pins the version the set-up names, with a go.sum', (_, tool) => {
    const goMod = readFileSync(path.join(ROOT, tool.moduleDir, 'go.mod'), 'utf8');
    const goSum = readFileSync(path.join(ROOT, tool.moduleDir, 'go.sum'), 'utf8');
    const modulePath = tool.mainPackage.split('/').slice(0, 3).join('/');
    // Prometheus' Go module versions are v0.X.Y for its releases 2.X.Y.
    const moduleVersion = modulePath === 'github.com/prometheus/prometheus' ? tool.version.replace(/^2\./, 'v0.') : `v${tool.version}`;
    expect(goMod).toContain(`require ${modulePath} ${moduleVersion}\n`);
    expect(goSum).toContain(`${modulePath} ${moduleVersion} h1:`);
    expect(tool.ldflags).toContain(`version.Version=${tool.version}`);
  });
});

describe('the test suite', () => {
  it('skips nothing: a missing program fails the set-up or the test, never skips it', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.test.ts')) {
          readFileSync(file, 'utf8')
            .split('\n')
            .forEach((line, index) => {
              if (/\b(describe|it|test|suite)\s*\.\s*(skip|skipIf|runIf|todo)\b|\bctx\.skip\(|\bcontext\.skip\(/.test(line)) offenders.push(`${path.relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(path.join(ROOT, 'tests'));
    expect(offenders).toEqual([]);
  });
});
