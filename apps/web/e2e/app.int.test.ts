/**
 * The web app in a real browser (Debian chromium via playwright-core) against a real server
 * process with a trained registry: a lab sample gives a verdict, an explanation chart and
 * guideline flags; invalid values give field errors in words; a CSV upload is scored and its
 * results downloaded; a version is promoted with the admin key and the audit trail shows it; the
 * phone viewport (375 px) does not overflow; axe-core finds nothing serious or critical; the lab
 * view renders within 1 s and its JavaScript stays within 300 KB gzip. Screenshots of desktop
 * and phone go to apps/web/test-results/.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../src/api/client.js';
import { ADMIN_KEY, CHROMIUM, chromiumAvailable, RESULTS_DIR, type Stack, startStack } from './harness.js';

if (!chromiumAvailable) console.warn(`[web e2e] skipped: ${CHROMIUM} is missing (install Debian's chromium package)`);

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const SAMPLE: Record<string, string> = {
  ph: '7.1',
  Hardness: '200',
  Solids: '21000',
  Chloramines: '7.0',
  Sulfate: '', // left empty: missing
  Conductivity: '420',
  Organic_carbon: '14',
  Trihalomethanes: '66',
  Turbidity: '6',
};

let stack: Stack;
let ctx: BrowserContext;

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            o: unknown,
          ) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe;
    return axe.run({ resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

async function fillSample(page: Page, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await page.fill(`#f-${name}`, value);
}

describe.skipIf(!chromiumAvailable)('web app in chromium', () => {
  beforeAll(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    stack = await startStack();
    ctx = await stack.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the lab view JavaScript within 300 KB gzip (entry and the chart chunk it loads)', () => {
    const assets = path.join(stack.webDir, 'assets');
    const html = readFileSync(path.join(stack.webDir, 'index.html'), 'utf8');
    const entry = /src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const files = readdirSync(assets).filter((f) => f === entry || /^(Chart|install)-.*\.js$/.test(f));
    const gz = files.reduce((s, f) => s + gzipSync(readFileSync(path.join(assets, f))).length, 0);
    expect(gz).toBeLessThanOrEqual(300 * 1024);
    const models = readdirSync(assets).filter((f) => /^(ModelsView|OpsView)-/.test(f));
    expect(models.length).toBe(2); // split off, not in the entry
  });

  it("every route the client calls is in the server's /openapi.json", async () => {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const missing = API_ROUTES.filter(([method, route]) => doc.paths[route]?.[method] === undefined);
    expect(missing).toEqual([]);
  });

  it('lab: a sample gives a verdict, an explanation chart and guideline flags; feedback is recorded', async () => {
    const page = await ctx.newPage();
    await page.goto(stack.url);
    await page.waitForSelector('#f-ph');
    const ready = await page.evaluate(() => performance.getEntriesByName('aquaops:lab-ready')[0]?.startTime ?? -1);
    expect(ready).toBeGreaterThan(0);
    expect(ready).toBeLessThanOrEqual(1000);
    // One input per signature feature, with units and ranges.
    expect(await page.locator('.fields:not(.passthrough) .field input').count()).toBe(9);
    await expect.poll(() => page.locator('label[for="f-Turbidity"]').innerText()).toContain('NTU');

    await fillSample(page, SAMPLE);
    await page.click('button[type=submit]');
    const verdict = await page.waitForSelector('[data-testid=verdict]');
    expect(await verdict.innerText()).toMatch(/Potable|Not potable/);
    expect(await page.locator('[data-testid=probability]').innerText()).toMatch(/^\d+(\.\d)?%$/);
    expect(await page.locator('[data-testid=uncertainty]').innerText()).toMatch(/threshold/);
    expect(await page.locator('[data-testid=uncertainty]').innerText()).toMatch(/1 measurement was missing/);
    await page.waitForSelector('[data-testid=waterfall] canvas');
    // Turbidity 6 NTU is above the WHO acceptability value of 5 NTU.
    const turbidity = page.locator('[data-testid=guidelines] tr', { hasText: 'Turbidity' }).locator('td[data-status]');
    expect(await turbidity.allInnerTexts()).toContain('▲ above');
    expect(await page.locator('[data-testid=guidelines]').innerText()).toMatch(/not the model's verdict/i);
    expect(await page.locator('#hist-h + .table-wrap tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Not potable', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid=feedback-msg]').innerText()).toMatch(/recorded/i);

    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-desktop.png'), fullPage: true });
    await page.close();
  });

  it('lab: invalid values give field errors in words and nothing is sent', async () => {
    const page = await ctx.newPage();
    let predicts = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/predict')) predicts++;
    });
    await page.goto(stack.url);
    await page.waitForSelector('#f-ph');
    await fillSample(page, { ...SAMPLE, ph: '15', Hardness: 'abc' });
    const phError = page.locator('[data-field-error=ph]');
    await expect.poll(() => phError.innerText()).toMatch(/pH must be between 0 and 14/);
    await page.click('button[type=submit]');
    expect(await page.locator('[data-field-error=Hardness]').innerText()).toMatch(/Enter a number/);
    expect(await page.locator('#form-error').innerText()).toMatch(/fields marked/);
    expect(await page.locator('#f-ph').getAttribute('aria-invalid')).toBe('true');
    expect(predicts).toBe(0);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-errors-desktop.png'), fullPage: true });
    await page.close();
  });

  it('batch: a CSV upload is scored, row errors carry line numbers, results download as CSV', async () => {
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/batch`);
    await page.waitForSelector('#csv-file', { state: 'attached' });
    const csv = [
      'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity',
      '7.1,200,21000,7.0,330,420,14,66,4',
      '6.2,180,30000,8.1,,500,16,80,5',
      '99,180,30000,8.1,300,500,16,80,5',
      '8.0,210,15000,6.5,350,380,12,55,3.2',
    ].join('\n');
    await page.setInputFiles('#csv-file', { name: 'samples.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForSelector('[data-testid=batch-summary]');
    expect(await page.locator('[data-testid=batch-summary]').innerText()).toBe('3 rows scored, 1 with errors.');
    const bad = page.locator('tr[data-line="4"]');
    expect(await bad.innerText()).toMatch(/Error/);
    expect(await bad.innerText()).toMatch(/ph|pH/);

    // Sorting by probability puts the error row last; filtering to errors leaves only it.
    await page.getByRole('button', { name: 'Probability' }).click();
    const lines = await page
      .locator('[data-testid=batch-table] tbody tr[data-line]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-line'))));
    expect(lines.at(-1)).toBe(4);
    expect(new Set(lines)).toEqual(new Set([2, 3, 4, 5]));
    await page.getByRole('button', { name: 'Explain' }).first().click();
    await page.waitForSelector('[data-testid^=explanation-] canvas');
    await page.selectOption('select', 'errors');
    expect(await page.locator('[data-testid=batch-table] tbody tr[data-line]').count()).toBe(1);
    await page.selectOption('select', 'all');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download results/ }).click(),
    ]);
    const file = await download.path();
    const text = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(text[0]).toBe('line,verdict,probability,prediction_id,error');
    expect(text).toHaveLength(5);
    expect(text.find((l) => l.startsWith('4,'))).toMatch(/ph/);
    expect(text.find((l) => l.startsWith('2,'))).toMatch(/^2,(potable|not_potable),0\.\d{4},/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'batch-desktop.png'), fullPage: true });
    await page.close();
  });

  it('batch: a CSV dropped on the drop zone is scored too', async () => {
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/batch`);
    await page.waitForSelector('[data-testid=dropzone]');
    const csv =
      'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity\n7,200,20000,7,330,420,14,66,4\n';
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
      return d;
    }, csv);
    await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: dt });
    await page.waitForSelector('[data-testid=batch-summary]');
    expect(await page.locator('#res-h').innerText()).toBe('Results for dropped.csv');
    expect(await page.locator('[data-testid=batch-summary]').innerText()).toBe('1 row scored, 0 with errors.');
    await page.close();
  });

  it('models: metrics, curves, comparison; promoting with the admin key shows in the audit trail', async () => {
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/models`);
    await page.waitForSelector('[data-testid=versions] tbody tr');
    expect(await page.locator('[data-testid=versions] tbody tr').count()).toBe(2);
    await page.waitForSelector('[data-testid=version-detail] canvas');
    expect(await page.locator('[data-testid=version-detail]').innerText()).toMatch(/ROC AUC/);
    expect(await page.locator('[data-testid=version-detail]').innerText()).toMatch(/held-out/);
    const serving = (await (await fetch(`${stack.url}/api/v1/models`)).json()) as { serving: { version: number } };
    const target = serving.serving.version === 1 ? 2 : 1;
    await page.selectOption('[data-testid=version-detail] select', String(target));
    await page.waitForSelector('[data-testid=compare]');

    // A wrong key is refused in words.
    await page.selectOption('select[name=version]', String(target));
    await page.fill('input[name=reason]', 'e2e: roll back');
    await page.fill('input[name=admin-key]', 'not-the-key-0123456789');
    await page.click('text=Point alias');
    await expect.poll(() => page.locator('[data-testid=promote-msg]').innerText()).toMatch(/not accepted/);

    await page.fill('input[name=admin-key]', ADMIN_KEY);
    await page.fill('input[name=reason]', 'e2e: roll back');
    await page.click('text=Point alias');
    await expect
      .poll(() => page.locator('[data-testid=promote-msg]').innerText())
      .toMatch(new RegExp(`champion now points at v${target}`));
    await expect.poll(() => page.locator('[data-testid=audit]').innerText()).toMatch(/e2e: roll back/);
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${stack.url}/api/v1/models`)).json()) as { serving: { version: number } }).serving
            .version,
        {
          timeout: 10_000,
        },
      )
      .toBe(target);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'models-desktop.png'), fullPage: true });
    await page.close();
  });

  it('operations: live summary, recent predictions and the drift placeholder', async () => {
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/ops`);
    await page.waitForSelector('[data-testid=drift-placeholder]');
    await page.waitForSelector('[data-testid=ops-stats], .info-box');
    await page.waitForSelector('[data-testid=recent] tbody tr', { timeout: 15_000 });
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'ops-desktop.png'), fullPage: true });
    await page.close();
  });

  it('phone (375 px): lab view fits the width, results readable, no axe violations', async () => {
    const phone = await stack.browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await phone.newPage();
    await page.goto(stack.url);
    await page.waitForSelector('#f-ph');
    await fillSample(page, SAMPLE);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=waterfall] canvas');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-phone-full.png'), fullPage: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-phone-form.png') });
    await page.locator('[data-testid=result]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-phone-result.png') });
    await page.locator('[data-testid=guidelines]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS_DIR, 'lab-phone-guidelines.png') });
    await page.goto(`${stack.url}/#/models`);
    await page.waitForSelector('[data-testid=version-detail] canvas');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'models-phone.png'), fullPage: true });
    for (const [view, selector] of [
      ['batch', '[data-testid=dropzone]'],
      ['ops', '[data-testid=drift-placeholder]'],
    ] as const) {
      await page.goto(`${stack.url}/#/${view}`);
      await page.waitForSelector(selector);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(RESULTS_DIR, `${view}-phone.png`), fullPage: true });
    }
    await phone.close();
  });

  it('keyboard: the lab form can be filled and submitted without a mouse', async () => {
    const page = await ctx.newPage();
    await page.goto(stack.url);
    await page.waitForSelector('#f-ph');
    await page.focus('#f-ph');
    for (const name of Object.keys(SAMPLE)) {
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`f-${name}`);
      await page.keyboard.type(SAMPLE[name] ?? '');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=verdict]');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('res-h');
    await page.close();
  });
});
