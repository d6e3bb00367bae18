// Renders a gomap-lab report in headless Chromium (Debian's, driven by
// playwright-core from tools/lab/web's lock file) and checks what a reader
// relies on:
//   - no console error and no uncaught exception,
//   - every expected <section id="ID"> is there, with at least one chart, and
//     every chart's canvas has non-blank pixels (uPlot drew it),
//   - the page makes no network request: every request other than the file
//     itself is recorded and aborted, and any is a failure.
// Writes a screenshot of the top of the page (and, with --full, one of the
// whole page and one of each section next to it).
//
// usage: NODE_PATH=<build>/tools/lab/web/node_modules node check_report.js REPORT.html SHOT.png ID,ID,...
//        [--full] [--readme PATH]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [report, shot, ids, ...rest] = process.argv.slice(2);
  if (!report || !shot || !ids) throw new Error('usage: check_report.js REPORT.html SHOT.png ID,ID,... [--full]');
  const full = rest.includes('--full');
  // --readme PATH: the README's picture, the top of the rehash-storm section
  // (verdict and timeline) at a width that keeps the file small.
  const readme = rest.includes('--readme') ? rest[rest.indexOf('--readme') + 1] : null;
  const expected = ids.split(',');
  const url = 'file://' + path.resolve(report);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gomap-lab-chromium-'));
  const problems = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.GOMAP_LAB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1160, height: 900 },
    deviceScaleFactor: 1,
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
    page.on('pageerror', (e) => problems.push('uncaught exception: ' + e.message));
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      problems.push('network request: ' + u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300);  // uPlot draws on the next animation frame
    const sections = await page.evaluate(() => {
      const out = {};
      for (const s of document.querySelectorAll('section[id]')) {
        const canvases = [...s.querySelectorAll('div.chart canvas')];
        out[s.id] = {
          charts: s.querySelectorAll('div.chart').length,
          tables: s.querySelectorAll('table.figures').length,
          drawn: canvases.map((c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0;
            for (let i = 0; i < d.length; i += 4) {
              if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++;
            }
            return ink;
          }),
        };
      }
      return out;
    });
    for (const id of expected) {
      const s = sections[id];
      if (!s) { problems.push(`section #${id} missing`); continue; }
      if (s.charts === 0) problems.push(`section #${id} has no chart`);
      if (s.tables === 0) problems.push(`section #${id} has no table of figures`);
      if (s.drawn.length !== s.charts) problems.push(`section #${id}: ${s.charts} charts but ${s.drawn.length} canvases`);
      s.drawn.forEach((ink, i) => { if (ink < 200) problems.push(`section #${id} chart ${i}: blank canvas (${ink} pixels)`); });
    }
    for (const id of Object.keys(sections))
      if (!expected.includes(id)) problems.push(`unexpected section #${id}`);
    await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1160, height: 1250 }, fullPage: true });
    if (full) {
      await page.screenshot({ path: shot.replace(/\.png$/, '-full.png'), fullPage: true });
      for (const id of Object.keys(sections))
        await page.locator(`section#${id}`).screenshot({ path: shot.replace(/\.png$/, `-${id}.png`) });
    }
    if (readme) {
      // Page coordinates (a boundingBox is the viewport's, which scrolling moves).
      const box = await page.evaluate(() => {
        const r = document.querySelector('section#rehash-storm').getBoundingClientRect();
        return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width };
      });
      await page.screenshot({ path: readme, fullPage: true,
                              clip: { x: box.x, y: box.y, width: Math.min(box.width, 1100), height: 700 } });
    }
    const summary = Object.entries(sections).map(([id, s]) => `${id}:${s.charts}`).join(' ');
    if (problems.length) throw new Error(problems.join('\n'));
    console.log(`check_report: ${Object.keys(sections).length} sections, charts drawn (${summary}), ` +
                `no console error, no network request; screenshot ${shot}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error('check_report: ' + e.message); process.exit(1); });
