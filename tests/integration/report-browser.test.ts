/**
 * The generated report in a real browser (Debian's headless Chromium through playwright-core):
 * opened from disk, every chart draws marks, the console stays clean, nothing is fetched, and a
 * hostile claim text shows as text without running. Skipped when /usr/bin/chromium is absent
 * (install it with `apt-get install -y chromium`; never `npx playwright install`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../harness/report/write.js';
import { loadFixture, onHost, withHostileStrings, withRepetitions, XSS_CLAIM } from '../fixtures/report/documents.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report-browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium).`);

interface PageVisit {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
  readonly dialogs: string[];
}

/** Marks drawn by each chart: data marks only (`role-mark` groups), not axes or legends. */
async function chartMarks(page: Page): Promise<Array<{ id: string; kind: string; state: string | null; svg: number; lines: number; symbols: number; rects: number; all: number }>> {
  return page.$$eval('.vega-chart', (elements) =>
    elements.map((element) => ({
      id: element.id,
      kind: element.getAttribute('data-kind') ?? '',
      state: element.getAttribute('data-rendered'),
      svg: element.querySelectorAll('svg').length,
      lines: element.querySelectorAll('.mark-line.role-mark path').length,
      symbols: element.querySelectorAll('.mark-symbol.role-mark path').length,
      rects: element.querySelectorAll('.mark-rect.role-mark path').length,
      all: element.querySelectorAll('.role-mark path, .role-mark line, .role-mark text').length,
    })),
  );
}

describe.skipIf(!hasChromium)(`report in headless Chromium (${CHROMIUM})`, () => {
  let directory: string;
  let context: BrowserContext;
  const visits = new Map<string, PageVisit>();

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
    directory = await mkdtemp(path.join(os.tmpdir(), 'rb-report-'));
    const single = await writeReport({ file: 'tests/fixtures/report/results.json', document: withHostileStrings(loadFixture()) }, path.join(directory, 'single'));
    const merged = await writeReport(
      [
        { file: 'machine-a/results.json', document: withRepetitions(loadFixture()) },
        { file: 'machine-b/results.json', document: onHost(loadFixture(), 'ci-b') },
      ],
      path.join(directory, 'merged'),
    );
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
