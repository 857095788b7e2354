/**
 * Opens report.html in headless Chromium (Debian's chromium package driven
 * by playwright-core) and checks what a reader gets: the charts drawn, every
 * link resolving, nothing fetched from the network. The full-page screenshot
 * is kept at test-results/report/report.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headingAnchors } from '../../lab/core/anchors.ts';
import { renderRunReport } from '../../lab/report/index.ts';
import { createReportProject, type ReportProject } from './project.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `skipped: ${CHROMIUM} not found (install Debian's chromium package)`;
const SCREENSHOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test-results/report/report.png',
);

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!HAS_CHROMIUM) console.warn(`report.html in Chromium: ${SKIP_REASON}`);

describe.skipIf(!HAS_CHROMIUM)(
  `report.html in Chromium${HAS_CHROMIUM ? '' : ` (${SKIP_REASON})`}`,
  () => {
    let project: ReportProject;
    let userDataDir: string;
    let context: BrowserContext;
    let page: Page;
    const consoleErrors: string[] = [];
    const blockedRequests: string[] = [];

    beforeAll(async () => {
      project = await createReportProject();
      await renderRunReport(project.runDir, { root: project.root });
      userDataDir = await mkdtemp(path.join(tmpdir(), 'lab-chromium-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_FLAGS,
        viewport: { width: 1200, height: 900 },
      });
      // The report must not reach any network; record and refuse anything that is not a local file.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        blockedRequests.push(url);
        return route.abort();
      });
      page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      await page.goto(pathToFileURL(path.join(project.runDir, 'report.html')).href);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
      await project?.remove();
    });

    it('renders the verdict and every section', async () => {
      expect(await page.title()).toBe('basecamp-lab run 20261204T180000Z-3f9c');
      expect(await page.locator('h1').textContent()).toBe('basecamp-lab run 20261204T180000Z-3f9c');
      expect(await page.locator('h2').allTextContents()).toEqual([
        'Scenarios',
        'Failed required checks',
        'Scenario: ESO loses its Vault token',
        'Scenario: Rotate the database password under load',
        'Scenario: A NetworkPolicy blocks ESO from Vault',
        'Scenario: Vault restarts sealed',
        'Environment',
      ]);
    });

    it('draws every chart at a readable size', async () => {
      const boxes = await page.locator('span.chart > svg').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return {
            width: box.width,
            height: box.height,
            marks: svg.querySelectorAll('path, rect').length,
          };
        }),
      );
      expect(boxes).toHaveLength(7);
      for (const box of boxes) {
        expect(box.width).toBeGreaterThan(600);
        expect(box.height).toBeGreaterThan(150);
        expect(box.marks).toBeGreaterThan(1);
      }
    });

    it('resolves every link in the page', async () => {
      const links = await page.locator('a[href]').evaluateAll((anchors) =>
        anchors.map((anchor) => ({
          raw: anchor.getAttribute('href') ?? '',
          resolved: (anchor as HTMLAnchorElement).href,
        })),
      );
      expect(links.length).toBeGreaterThan(10);

      for (const link of links) {
        const url = new URL(link.resolved);
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (link.raw.startsWith('#')) {
          expect(await page.locator(`[id="${anchor}"]`).count(), link.raw).toBe(1);
          continue;
        }
        const file = fileURLToPath(url);
        expect(existsSync(file), `${link.raw} -> ${file}`).toBe(true);
        if (anchor)
          expect(headingAnchors(await readFile(file, 'utf8')), link.raw).toContain(anchor);
      }
    });

    it('follows a scenario link to its section', async () => {
      await page
        .locator('a[href="#scenario-rotate-the-database-password-under-load"]')
        .first()
        .click();
      expect(await page.evaluate(() => window.location.hash)).toBe(
        '#scenario-rotate-the-database-password-under-load',
      );
      const top = await page
        .locator('#scenario-rotate-the-database-password-under-load')
        .evaluate((heading) => heading.getBoundingClientRect().top);
      expect(Math.abs(top)).toBeLessThan(50);
    });

    it('fits the page width and loads nothing from the network', async () => {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        1200,
      );
      expect(blockedRequests).toEqual([]);
      expect(consoleErrors).toEqual([]);
    });

    it('parses junit.xml and every chart as XML', async () => {
      const files = [
        'junit.xml',
        ...(await readdir(project.runDir)).filter((file) => file.endsWith('.svg')),
      ];
      expect(files).toHaveLength(8);
      for (const file of files) {
        const xml = await readFile(path.join(project.runDir, file), 'utf8');
        const parserErrors = await page.evaluate(
          (text) =>
            new DOMParser()
              .parseFromString(text, 'application/xml')
              .getElementsByTagName('parsererror').length,
          xml,
        );
        expect(parserErrors, file).toBe(0);
      }
    });

    it('keeps a full-page screenshot', async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    });
  },
);
