// Loads a kfm-energy report (one self-contained HTML file) in Debian's headless Chromium through
// playwright-core and prints, as one JSON object on stdout, what a test needs to judge it:
// console errors, page errors, every network request attempted (there must be none besides
// the file itself), and for each chart its size and number of marks, with scripts on and with
// scripts off (the charts must not need the script). Writes a full-page screenshot.
//
//   node tests/browser/check-report.mjs REPORT.html SCREENSHOT.png [WIDTH]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [reportArg, screenshotArg, widthArg] = process.argv.slice(2);
if (!reportArg || !screenshotArg) {
  console.error('usage: check-report.mjs REPORT.html SCREENSHOT.png [WIDTH]');
  process.exit(2);
}
const reportUrl = pathToFileURL(resolve(reportArg)).href;
const width = Number(widthArg || 1600);
const userDataDir = mkdtempSync(join(tmpdir(), 'kfm-report-chromium-'));
const result = {
  consoleErrors: [], pageErrors: [], dialogs: [], requests: [], charts: [], chartsWithoutScript: [],
};

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // Every request is recorded; anything but the report itself is refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === reportUrl) return route.continue();
    result.requests.push(url);
    return route.abort();
  });
  context.on('request', (request) => {
    if (request.url() !== reportUrl && !result.requests.includes(request.url())) {
      result.requests.push(request.url());
    }
  });

  const measure = () =>
    Array.from(document.querySelectorAll('svg.chart')).map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = Array.from(svg.querySelectorAll('.mark'));
      return {
        id: svg.getAttribute('data-chart'),
        width: box.width,
        height: box.height,
        marks: marks.length,
        drawnMarks: marks.filter((m) => {
          const b = m.getBoundingClientRect();
          return b.width > 0 && b.height > 0;
        }).length,
        dataMarks: Number(svg.getAttribute('data-marks')),
        references: svg.querySelectorAll('.reference').length,
        bands: svg.querySelectorAll('.band polygon').length,
      };
    });

  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') result.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => result.pageErrors.push(String(error)));
  // alert(), confirm() ...: a script that came from data would open one.
  context.on('dialog', (dialog) => {
    result.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  await page.goto(reportUrl, { waitUntil: 'load' });
  result.title = await page.title();
  result.empty = (await page.locator('#empty').count()) > 0;
  result.sections = await page.locator('section.pipeline').count();
  result.charts = await page.evaluate(measure);
  // The optional tooltip script: hovering a mark shows its text.
  const firstMark = page.locator('svg.chart .mark').first();
  if ((await firstMark.count()) > 0) {
    await firstMark.hover();
    result.tooltip = await page.evaluate(() => {
      const tip = document.getElementById('tip');
      return tip && !tip.hidden ? tip.textContent : null;
    });
  }
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotArg, fullPage: true });

  // Scripts off: the same charts, the same marks.
  const noScript = await context.newPage();
  const cdp = await context.newCDPSession(noScript);
  await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  noScript.on('pageerror', (error) => result.pageErrors.push(String(error)));
  await noScript.goto(reportUrl, { waitUntil: 'load' });
  result.chartsWithoutScript = await noScript.evaluate(measure);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
