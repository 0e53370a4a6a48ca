/**
 * The generated report in a real browser (Debian's headless Chromium through playwright-core):
 * opened from disk, every chart draws marks, the console stays clean, nothing is fetched, and a
 * hostile claim text shows as text without running. Never skipped: npm test's set-up
 * (harness/dev/test-tools.ts) installs Debian's chromium as root, or stops naming the command;
 * never `npx playwright install`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_INSTALL_COMMAND, CHROMIUM_PATH as CHROMIUM } from '../../harness/dev/test-tools-plan.js';
import { buildModel, type ReportInput } from '../../harness/report/sources.js';
import { claimsSpec } from '../../harness/report/spec-claims.js';
import { relativeSpec } from '../../harness/report/spec-relative.js';
import { writeReport } from '../../harness/report/write.js';
import { loadFixture, onHost, withClaimResults, withHostileStrings, withRepetitions, XSS_CHECK, XSS_CLAIM } from '../fixtures/report/documents.js';

interface PageVisit {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
  readonly dialogs: string[];
}

/** Marks drawn by each chart: data marks only (`role-mark` groups), not axes or legends. */
async function chartMarks(page: Page): Promise<Array<{ id: string; kind: string; state: string | null; svg: number; lines: number; symbols: number; rects: number; rules: number; texts: string[]; all: number }>> {
  return page.$$eval('.vega-chart', (elements) =>
    elements.map((element) => ({
      id: element.id,
      kind: element.getAttribute('data-kind') ?? '',
      state: element.getAttribute('data-rendered'),
      svg: element.querySelectorAll('svg').length,
      lines: element.querySelectorAll('.mark-line.role-mark path').length,
      symbols: element.querySelectorAll('.mark-symbol.role-mark path').length,
      rects: element.querySelectorAll('.mark-rect.role-mark path').length,
      rules: element.querySelectorAll('.mark-rule.role-mark line').length,
      texts: [...element.querySelectorAll('.mark-text.role-mark text')].map((text) => text.textContent ?? ''),
      all: element.querySelectorAll('.role-mark path, .role-mark line, .role-mark text').length,
    })),
  );
}

describe(`report in headless Chromium (${CHROMIUM})`, () => {
  let directory: string;
  let context: BrowserContext;
  const visits = new Map<string, PageVisit>();
  /** What each page's claims and comparison charts should draw, from the same specs in Node. */
  const expected = new Map<string, { claimDots: number; notMeasured: number; thresholds: number; relativeDots: number }>();

  function expectedMarks(name: string, inputs: readonly ReportInput[]): void {
    const model = buildModel(inputs);
    const claimRows = (claimsSpec(model)!.spec.data as { values: Array<{ state: string; threshold?: number }> }).values;
    const relativeRows = (relativeSpec(model)!.spec.data as { values: Array<{ missing: boolean }> }).values;
    expected.set(name, {
      claimDots: claimRows.filter((row) => row.state === 'point').length,
      notMeasured: claimRows.filter((row) => row.state === 'not-measured').length,
      thresholds: claimRows.filter((row) => row.threshold !== undefined).length,
      relativeDots: relativeRows.filter((row) => !row.missing).length,
    });
  }

  async function visit(name: string, file: string): Promise<PageVisit> {
    const page = await context.newPage();
    const entry: PageVisit = { page, problems: [], requests: [], dialogs: [] };
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') entry.problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => entry.problems.push(`pageerror: ${error.message}`));
    page.on('request', (request) => entry.requests.push(request.url()));
    page.on('dialog', (dialog) => {
      entry.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
    // A string: the test's tsconfig has no DOM types. vega-embed's promise sets data-rendered.
    await page.waitForFunction("[...document.querySelectorAll('.vega-chart')].every((element) => element.getAttribute('data-rendered') !== 'pending')", undefined, { timeout: 60_000 });
    visits.set(name, entry);
    return entry;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The report's browser tests need Chromium at ${CHROMIUM}: run \`npm run test:tools\` (as root it installs it), or \`${CHROMIUM_INSTALL_COMMAND}\`.`);
    directory = await mkdtemp(path.join(os.tmpdir(), 'rb-report-'));
    // The single page has the literal claim results (intervals, ratios < 1, build metrics, not measured, values ≤ 0).
    const singleInputs = [{ file: 'tests/fixtures/report/results.json', document: withHostileStrings(withClaimResults(loadFixture())) }];
    const mergedInputs = [
      { file: 'machine-a/results.json', document: withRepetitions(loadFixture()) },
      { file: 'machine-b/results.json', document: onHost(loadFixture(), 'ci-b') },
    ];
    expectedMarks('single', singleInputs);
    expectedMarks('merged', mergedInputs);
    const single = await writeReport(singleInputs, path.join(directory, 'single'));
    const merged = await writeReport(mergedInputs, path.join(directory, 'merged'));
    context = await chromium.launchPersistentContext(path.join(directory, 'user-data'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    await visit('single', single.html);
    await visit('merged', merged.html);
  });

  afterAll(async () => {
    await context?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it.each(['single', 'merged'])('%s: every chart renders SVG marks', async (name) => {
    const marks = await chartMarks(visits.get(name)!.page);
    expect(marks.length).toBeGreaterThan(10);
    for (const chart of marks) {
      expect(chart, `${chart.id} (${chart.kind})`).toMatchObject({ state: 'true' });
      expect(chart.svg, `${chart.id} (${chart.kind}) svg`).toBeGreaterThan(0);
      expect(chart.all, `${chart.id} (${chart.kind}) marks`).toBeGreaterThan(0);
      if (chart.kind === 'spectrum' || chart.kind === 'latency-over-time' || chart.kind === 'resources') expect(chart.lines, `${chart.id} lines`).toBeGreaterThan(0);
      if (chart.kind === 'sweep') expect(chart.symbols, `${chart.id} points`).toBeGreaterThan(0);
      if (chart.kind === 'headline-bars' || chart.kind === 'builds') expect(chart.rects, `${chart.id} bars`).toBeGreaterThan(0);
    }
  });

  it.each(['single', 'merged'])('%s: the claims chart draws a dot per measured check, a tick per threshold, "not measured" texts', async (name) => {
    const { page } = visits.get(name)!;
    const want = expected.get(name)!;
    const [claims, ...others] = (await chartMarks(page)).filter((chart) => chart.kind === 'claims');
    expect(others).toEqual([]);
    expect(claims).toMatchObject({ id: 'chart-1', state: 'true', symbols: want.claimDots });
    expect(want.claimDots).toBeGreaterThan(0);
    // Ticks and shaded claimed sides are rects: two per drawn threshold, plus one cap per interval end.
    expect(claims!.rects).toBeGreaterThanOrEqual(2 * want.thresholds);
    expect(claims!.texts.filter((text) => text === 'not measured')).toHaveLength(want.notMeasured);
    expect(claims!.texts.filter((text) => text.startsWith('claimed ') || text.startsWith('← claimed '))).toHaveLength(want.thresholds);
    expect(await page.$$eval('#claims > .charts .vega-chart[data-kind="claims"]', (elements) => elements.length)).toBe(1);
  });

  it('single: the claims chart shows intervals and labels a hostile check as text', async () => {
    const { page } = visits.get('single')!;
    const claims = (await chartMarks(page)).find((chart) => chart.kind === 'claims')!;
    // Four checks with a spread: python.p99 ratio, CPU ratio, PSS ratio, and go.errors twice (cut at the axis).
    expect(claims.rules).toBe(5);
    expect(claims.texts).toContain('0: ≤ 0, not on the log scale');
    const labels = await page.$$eval('#chart-1 .role-axis-label text', (texts) => texts.map((text) => text.textContent ?? ''));
    expect(labels.some((label) => label.startsWith(`a-cpu-bound: ${XSS_CHECK}`.slice(0, 20)))).toBe(true);
  });

  it.each(['single', 'merged'])('%s: the comparison across scenarios draws one dot per service and metric with a valid run', async (name) => {
    const { page } = visits.get(name)!;
    const relative = (await chartMarks(page)).filter((chart) => chart.kind === 'relative');
    expect(relative).toHaveLength(1);
    expect(relative[0]).toMatchObject({ state: 'true', symbols: expected.get(name)!.relativeDots });
    // The 1× line in each of the three metric columns.
    expect(relative[0]!.rules).toBe(3);
    expect(await page.$$eval('#comparison .vega-chart[data-kind="relative"]', (elements) => elements.length)).toBe(1);
  });

  it.each(['single', 'merged'])('%s: no console error or warning, no page error', (name) => {
    expect(visits.get(name)!.problems).toEqual([]);
  });

  it.each(['single', 'merged'])('%s: requests nothing but the file itself', (name) => {
    const { requests } = visits.get(name)!;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
  });

  it('shows a hostile claim text as text and runs nothing', async () => {
    const { page, dialogs } = visits.get('single')!;
    expect(await page.textContent('body')).toContain(XSS_CLAIM);
    expect(await page.$$eval('img', (images) => images.length)).toBe(0);
    expect(await page.$$eval('main b', (elements) => elements.length)).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('merged: labels every service with its machine and run folder', async () => {
    const { page } = visits.get('merged')!;
    const headers = await page.$$eval('table.headline th.service', (cells) => cells.map((cell) => cell.textContent ?? ''));
    expect(headers).toContain('goci-b (machine-b)');
    expect(headers).toContain('govm (machine-a)');
    const markdown = await readFile(path.join(directory, 'merged', 'summary.md'), 'utf8');
    expect(markdown).toContain('## Claims — vm (machine-a)');
    const csv = await readFile(path.join(directory, 'merged', 'runs.csv'), 'utf8');
    expect(csv.split('\r\n').filter((line) => line.startsWith('ci-b (machine-b),machine-b/results.json,ci-b,'))).toHaveLength(22);
  });
});
