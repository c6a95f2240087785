// Opens an xmtrack report in Debian's headless Chromium and says what a reader sees.
//
//   node check_report.mjs NPM_DIR REPORT.html [SCREENSHOT.png]
//
// Prints one JSON object: the numbers of the summary cards and their lists, the rows of each
// table, the timeline's dots, the decoded events, the versions shown, every link to evidence that
// does not lead to an event of the same capture and SHA-256, whether following such a link
// opens the event, and every request the page tried to make (it must make none).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [npmDir, report, screenshot] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const puppeteer = require('puppeteer-core');

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xmtrack-report-chromium-'));
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1400 });
  const url = pathToFileURL(path.resolve(report)).href;
  const requests = [];
  const errors = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url().split('#')[0] === url) return req.continue();
    requests.push(req.url());
    return req.abort();
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'load' });

  const seen = await page.evaluate(() => {
    const num = (el) => Number(el.textContent.trim());
    const counts = {};
    for (const el of document.querySelectorAll('[data-count]')) counts[el.dataset.count] = num(el);
    const lists = {};
    for (const ul of document.querySelectorAll('ul[data-list]')) {
      lists[ul.dataset.list] = {};
      for (const li of ul.querySelectorAll('li:not(.more)'))
        lists[ul.dataset.list][li.querySelector('.name').textContent] = num(li.querySelector('.n'));
    }
    const rows = {};
    for (const tr of document.querySelectorAll('tr[data-row]')) rows[tr.dataset.row] = (rows[tr.dataset.row] || 0) + 1;
    // every evidence link: its target is an event of the capture and SHA-256 the row names
    const broken = [];
    for (const a of document.querySelectorAll('a.evidence')) {
      const target = document.getElementById(a.getAttribute('href').slice(1));
      const sha = a.parentElement.querySelector('code').title.replace('SHA-256 ', '');
      const [file, frame] = a.textContent.split(' #');
      const facts = {};
      if (target) {
        const dts = target.querySelectorAll('dt');
        for (const dt of dts) facts[dt.textContent] = dt.nextElementSibling.textContent;
      }
      if (!target || !target.matches('details.event') || facts.capture_sha256 !== sha
          || facts.capture_file !== file || facts.frame !== frame) broken.push(a.getAttribute('href'));
    }
    const versions = {};
    for (const td of document.querySelectorAll('[data-version]'))
      (versions[td.dataset.version] ||= []).push(td.textContent);
    return {
      counts, lists, rows, broken,
      dots: document.querySelectorAll('svg.timeline circle.dot').length,
      dot_events: [...document.querySelectorAll('svg.timeline circle.dot')].map((c) => Number(c.dataset.event)),
      lanes: [...document.querySelectorAll('svg.timeline text.lane')].map((t) => t.firstChild.textContent),
      decoded: document.querySelectorAll('#decoded details.event').length,
      decoded_open: document.querySelectorAll('#decoded details[open]').length,
      evidence_links: document.querySelectorAll('a.evidence').length,
      versions,
      inputs: [...document.querySelectorAll('tr[data-row="inputs"]')].map((tr) => [...tr.cells].map((c) => c.textContent)),
    };
  });

  // Following the first evidence link opens that event (and its capture).
  const first = await page.$('a.evidence');
  seen.link_opens_event = null;
  if (first) {
    const href = await first.evaluate((a) => a.getAttribute('href'));
    await first.click();
    await page.waitForFunction((id) => location.hash === id, {}, href);
    seen.link_opens_event = await page.evaluate((id) => {
      const el = document.getElementById(id.slice(1));
      return el.open && el.closest('details.capture').open;
    }, href);
  }
  if (screenshot) {
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: screenshot, clip: { x: 0, y: 0, width: 1280, height: 1400 } });
  }
  seen.requests = requests;
  seen.errors = errors;
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
