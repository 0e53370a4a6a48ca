/**
 * `rewrite-bench report` as a function: writes the three files from one or several results files,
 * and rejects missing or wrong files with a ConfigError (exit 2) before writing anything.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runReportCommand } from '../../harness/commands/report.js';
import { ConfigError } from '../../harness/errors.js';
import { writeReport } from '../../harness/report/write.js';
import { FIXTURE_FILE, loadFixture } from '../fixtures/report/documents.js';

describe('rewrite-bench report', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'rb-report-command-'));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes index.html, summary.md and runs.csv from several results files', async () => {
    const second = path.join(directory, 'b.json');
    await writeFile(second, JSON.stringify({ ...loadFixture(), environment: { ...loadFixture().environment, hostname: 'ci-b' } }));
    const out = path.join(directory, 'out');
    expect(await runReportCommand({ out }, [FIXTURE_FILE, second])).toBe(0);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('ci-b (b.json)');
    expect(html).toContain('vm (report)');
    expect(existsSync(path.join(out, 'summary.md'))).toBe(true);
    expect((await readFile(path.join(out, 'runs.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(2 * loadFixture().runs.length + 1);
    expect((await readdir(out)).sort()).toEqual(['index.html', 'runs.csv', 'summary.md']);
  });

  it('rejects a missing file, a file that is not a results.json, and several files without --out (exit 2)', async () => {
    const out = path.join(directory, 'out');
    await expect(runReportCommand({ out }, [path.join(directory, 'missing.json')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('no such file') });
    const wrong = path.join(directory, 'wrong.json');
    await writeFile(wrong, '{"hello": 1}');
    await expect(runReportCommand({ out }, [FIXTURE_FILE, wrong])).rejects.toBeInstanceOf(ConfigError);
    await expect(runReportCommand({}, [FIXTURE_FILE, FIXTURE_FILE])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--out') });
    await expect(runReportCommand({ out }, [])).rejects.toMatchObject({ exitCode: 2 });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses one file given twice, or two copies of one run, naming the file (exit 2), and writes nothing', async () => {
    const out = path.join(directory, 'out');
    await expect(runReportCommand({ out }, [FIXTURE_FILE, FIXTURE_FILE])).rejects.toMatchObject({ exitCode: 2, message: `Results file ${FIXTURE_FILE} is given twice: merging it would count every run twice. Give each results file once.` });
    const relative = path.relative(process.cwd(), FIXTURE_FILE);
    await expect(runReportCommand({ out }, [FIXTURE_FILE, relative])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining(`Results file ${relative} is given twice (also as ${FIXTURE_FILE})`) });
    const copy = path.join(directory, 'copy', 'results.json');
    await mkdir(path.dirname(copy));
    await writeFile(copy, await readFile(FIXTURE_FILE, 'utf8'));
    await expect(runReportCommand({ out }, [FIXTURE_FILE, copy])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining(`Results files ${FIXTURE_FILE} and ${copy} hold the same run (host vm, started 2026-11-27T00:06:02.473Z)`) });
    expect(existsSync(out)).toBe(false);
  });

  it('labels two results.json by their run folders', async () => {
    const files = ['2026-11-27-000602', '2026-11-28-101500'].map((folder) => path.join(directory, folder, 'results.json'));
    await mkdir(path.dirname(files[0]!));
    await mkdir(path.dirname(files[1]!));
    await writeFile(files[0]!, JSON.stringify(loadFixture()));
    await writeFile(files[1]!, JSON.stringify({ ...loadFixture(), startedAt: '2026-11-28T10:15:00.000Z' }));
    const out = path.join(directory, 'out');
    expect(await runReportCommand({ out }, files)).toBe(0);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('vm (2026-11-27-000602)');
    expect(html).toContain('vm (2026-11-28-101500)');
    expect(html).not.toContain(') #2');
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toContain('· 2 results file(s)');
  });

  it('writeReport accepts a bare document and reports the absolute paths', async () => {
    const paths = await writeReport(loadFixture(), path.join(directory, 'bare'));
    expect(paths).toEqual({ html: path.join(directory, 'bare', 'index.html'), markdown: path.join(directory, 'bare', 'summary.md'), csv: path.join(directory, 'bare', 'runs.csv') });
    expect(await readFile(paths.html, 'utf8')).toContain('vm (results.json)');
  });
});
