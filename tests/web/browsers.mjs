// browsers.mjs: one small page interface over the three engines the browser
// test drives, so browser.test.mjs holds the cases once:
//   chromium  Debian's chromium, playwright-core (Chrome DevTools Protocol)
//   firefox   Debian's firefox-esr, puppeteer-core over WebDriver BiDi
//   webkit    Debian's WebKitWebDriver + MiniBrowser under xvfb-run, classic
//             WebDriver through selenium-webdriver
// launchBrowser(name) -> { name, headScript, newPage({width, height}), close() };
// a page has goto, evaluate(fn, arg), waitFor(fn, arg, ms), fill, click,
// resize, screenshot, consoleErrors and close.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The driver libraries are pinned in js/package.json; resolve them from there.
const requireJs = createRequire(path.join(root, 'js/package.json'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Errors a page reports, collected in the page itself: classic WebDriver has
// no console events. The test server puts this at the top of every HTML page.
const ERROR_COLLECTOR = `(() => {
  if (window.__consoleErrors) return;
  const errors = (window.__consoleErrors = []);
  const orig = console.error.bind(console);
  console.error = (...a) => { errors.push(a.map(String).join(' ')); orig(...a); };
  addEventListener('error', (e) => errors.push(String(e.message || e)));
  addEventListener('unhandledrejection', (e) => errors.push('unhandled rejection: ' + String(e.reason)));
})();`;

// Polls fn(arg) in the page until it returns a truthy value (the same on
// every engine, so no driver's own wait semantics leak into the cases).
async function waitFor(page, fn, arg, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn}`);
    await sleep(100);
  }
}

// Playwright's and Puppeteer's pages agree on everything the cases use but
// filling a field and resizing: one wrapper, with those two given.
function wrapDevtoolsPage(p, { fill, resize }) {
  const errors = [];
  p.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  p.on('pageerror', (e) => errors.push(String(e)));
  const page = {
    goto: (url) => p.goto(url),
    evaluate: (fn, arg) => p.evaluate(fn, arg),
    waitFor: (fn, arg, ms) => waitFor(page, fn, arg, ms),
    fill,
    click: (sel) => p.click(sel),
    resize,
    screenshot: (file) => p.screenshot({ path: file, fullPage: true }),
    consoleErrors: async () => errors.slice(),
    close: () => p.close(),
  };
  return page;
}

// ------------------------------------------------------------- chromium
async function chromium() {
  const { chromium: pw } = requireJs('playwright-core');
  // launch() gives every run a fresh temporary profile (user-data-dir) of its own.
  const browser = await pw.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    headScript: null,
    async newPage({ width = 1040, height = 900 } = {}) {
      const p = await browser.newPage({ viewport: { width, height } });
      return wrapDevtoolsPage(p, {
        fill: (sel, text) => p.fill(sel, text),
        resize: (w, h) => p.setViewportSize({ width: w, height: h }),
      });
    },
    close: () => browser.close(),
  };
}

// -------------------------------------------------------------- firefox
async function firefox() {
  const puppeteer = requireJs('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: { 'network.http.http3.enable': false, 'app.update.enabled': false },
  });
  return {
    headScript: null,
    async newPage({ width = 1040, height = 900 } = {}) {
      const p = await browser.newPage();
      await p.setViewport({ width, height });
      return wrapDevtoolsPage(p, {
        fill: (sel, text) => p.locator(sel).fill(text),
        resize: (w, h) => p.setViewport({ width: w, height: h }),
      });
    },
    close: () => browser.close(),
  };
}

// --------------------------------------------------------------- webkit
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
  s.once('error', reject);
});

// WebKitWebDriver and its Xvfb in a process group of their own, so close()
// ends them all (run-browser.sh also ends everything the test started).
async function startWebKitDriver() {
  const port = await freePort();
  const proc = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24',
                                  process.env.WEBKIT_DRIVER || 'WebKitWebDriver', `--port=${port}`],
                     { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  proc.once('exit', () => { exited = true; });
  const stop = async () => {
    if (exited) return;
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { return; }
    for (let i = 0; i < 30 && !exited; i++) await sleep(100);
    if (!exited) try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error('WebKitWebDriver exited at start-up');
    try { if ((await fetch(url + '/status')).ok) return { url, stop }; } catch { /* not yet */ }
    await sleep(100);
  }
  await stop();
  throw new Error('WebKitWebDriver did not answer within 10 s');
}

// Debian installs MiniBrowser under the multiarch library directory.
const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] || `${process.arch}-linux-gnu`;
const MINIBROWSER = `/usr/lib/${MULTIARCH}/webkit2gtk-4.1/MiniBrowser`;

async function webkit() {
  const { Builder, By } = requireJs('selenium-webdriver');
  const server = await startWebKitDriver();
  let driver;
  try {
    driver = await new Builder().usingServer(server.url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: process.env.WEBKIT_BROWSER || MINIBROWSER,
        args: ['--automation'],
      },
    }).build();
    await driver.manage().setTimeouts({ script: 120000, pageLoad: 30000 });
  } catch (e) {
    await server.stop();
    throw e;
  }
  // One WebDriver session is one window: a "new page" reuses it.
  return {
    headScript: ERROR_COLLECTOR,
    async newPage({ width = 1040, height = 900 } = {}) {
      await driver.manage().window().setRect({ width, height });
      const page = {
        async goto(url) {
          await driver.get(url);
          // Pages the server did not inject into (non-HTML) still collect.
          await driver.executeScript(ERROR_COLLECTOR);
        },
        async evaluate(fn, arg) {
          const r = await driver.executeAsyncScript(
            `const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => (${fn})(arguments[0]))
               .then((v) => done({ ok: true, v: v === undefined ? null : v }),
                     (e) => done({ ok: false, e: String((e && e.stack) || e) }));`, arg ?? null);
          if (!r.ok) throw new Error(`in the page: ${r.e}`);
          return r.v;
        },
        waitFor: (fn, arg, ms) => waitFor(page, fn, arg, ms),
        async fill(sel, text) {
          const el = await driver.findElement(By.css(sel));
          await el.clear();
          await el.sendKeys(text);
        },
        click: async (sel) => (await driver.findElement(By.css(sel))).click(),
        resize: (w, h) => driver.manage().window().setRect({ width: w, height: h }),
        async screenshot(file) {
          fs.writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
        },
        consoleErrors: () => driver.executeScript('return (window.__consoleErrors || []).slice()'),
        close: () => driver.get('about:blank'),
      };
      return page;
    },
    async close() {
      try { await driver.quit(); } finally { await server.stop(); }
    },
  };
}

const ENGINES = { chromium, firefox, webkit };
export const BROWSERS = Object.keys(ENGINES);

export async function launchBrowser(name) {
  if (!ENGINES[name]) throw new Error(`unknown browser '${name}' (one of ${BROWSERS.join(', ')})`);
  return { name, ...(await ENGINES[name]()) };
}
