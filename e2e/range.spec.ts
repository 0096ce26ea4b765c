import { readFileSync } from 'node:fs';
import { parseCsv } from '../tests/helpers/csv';
import { expect, simulate, stopSimulator, test } from './serve-fixture';

/** Seconds as the RO screen prints them ("5.08 s") → integer milliseconds. */
function ms(text: string | null): number {
  const m = /(\d+)\.(\d\d)/.exec(text ?? '');
  if (!m) throw new Error(`no time in ${JSON.stringify(text)}`);
  return Number(m[1]) * 1000 + Number(m[2]) * 10;
}

test.describe('range officer in Chromium', () => {
  test('the simulator shoots a string; the RO sees shots and hits, adds a miss, approves; the CSV has it', async ({
    page,
    served,
  }) => {
    await page.goto(`${served.httpUrl}/#/match`);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();

    // The match the simulator shoots: its squad, the eight classifier stages, five sensors.
    await page.getByTestId('match-demo').click();
    await expect(page.getByTestId('stage-row')).toHaveCount(8);
    await expect(page.getByTestId('shooter-row')).toHaveCount(4);

    await page.getByTestId('nav-ro').click();
    await expect(page.getByTestId('ro-shooter')).toHaveText('Alex Morgan');
    await expect(page.getByTestId('ro-shortcuts')).toContainText('add a miss');

    const sim = simulate(served.mqttUrl, [
      '--scenario',
      'range',
      '--sensors',
      '5',
      '--rate',
      '50',
      '--seed',
      '5',
      '--quiet',
    ]);
    try {
      // The string runs: the clock goes, shots arrive with splits, plates light up as hits land.
      await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'running', {
        timeout: 45_000,
      });
      await expect(page.getByTestId('ro-shot').first()).toBeVisible({ timeout: 20_000 });
      await expect(page.locator('[data-testid="plate"][data-hit="true"]').first()).toBeVisible({
        timeout: 20_000,
      });
      await expect(page.getByTestId('ro-shot')).toHaveCount(5, { timeout: 20_000 });
      // The timer's stop closes it; the string waits for the RO and the shooter.
      await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'review', {
        timeout: 20_000,
      });
    } finally {
      await stopSimulator(sim);
    }
    const hits = await page.locator('[data-testid="plate"][data-hit="true"]').count();
    expect(hits).toBeGreaterThan(0);
    const raw = ms(await page.getByTestId('ro-raw').textContent());
    expect(ms(await page.getByTestId('ro-score-total').textContent())).toBe(raw);

    // The RO calls a miss with the keyboard: +3.00.
    await page.keyboard.press('m');
    await expect(page.getByTestId('ro-count-misses')).toHaveText('1');
    await expect(page.getByTestId('ro-penalties')).toContainText('1 × 3 = +3.00 s');
    await expect
      .poll(async () => ms(await page.getByTestId('ro-score-total').textContent()))
      .toBe(raw + 3000);
    await expect(page.getByTestId('ro-history-entry')).toHaveCount(1);

    // The shooter approves.
    await page.keyboard.press('a');
    await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'approved');
    await expect(page.getByTestId('ro-approve')).toContainText('Approved by Alex Morgan');

    // Results: the export carries the penalised time.
    await page.getByTestId('nav-results').click();
    await expect(page.getByTestId('results-row').filter({ hasText: 'Alex Morgan' })).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByTestId('export-strings').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('strings-simulated-steel-challenge.csv');
    const rows = parseCsv(readFileSync((await file.path())!, 'utf8'));
    const row = rows.find((r) => r.shooter === 'Alex Morgan' && r.string_number === '1');
    expect(row).toBeDefined();
    expect(row).toMatchObject({
      stage: 'SC-101',
      misses: '1',
      penalties: '1',
      approved: 'true',
      state: 'approved',
    });
    expect(Number(row!.raw_ms)).toBe(raw);
    expect(Number(row!.score_ms)).toBe(raw + 3000);
    expect(Math.round(Number(row!.score_s) * 1000)).toBe(raw + 3000);

    // The audit log shows the miss and the approval.
    await expect(page.getByTestId('audit-row')).toHaveCount(2);
  });

  test('at 1366×768 one running string fits one screen: score and approve in view, station folded, nothing jumps', async ({
    page,
    served,
  }) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${served.httpUrl}/#/match`);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
    await page.getByTestId('match-demo').click();
    await expect(page.getByTestId('stage-row')).toHaveCount(8);
    await page.getByTestId('nav-ro').click();
    await expect(page.getByTestId('ro-shooter')).toHaveText('Alex Morgan');

    // The station is set (the demo match assigns its stage), so its pickers fold away.
    await expect(page.getByTestId('ro-timer')).toBeHidden();
    await expect(page.getByTestId('ro-station-summary')).toContainText('SC-101');

    const inView = async (testId: string) => {
      const box = await page.getByTestId(testId).boundingBox();
      expect(box, testId).not.toBeNull();
      expect(box!.y, `${testId} top`).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, `${testId} bottom`).toBeLessThanOrEqual(768);
      expect(box!.x + box!.width, `${testId} right`).toBeLessThanOrEqual(1366);
    };
    // Evaluated in the page (this file compiles without the DOM lib): has anything scrolled?
    const scrolled = () =>
      page.evaluate(
        '[document.scrollingElement, ...document.querySelectorAll("*")].some((e) => e && e.scrollTop > 0)',
      );

    const sim = simulate(served.mqttUrl, [
      '--scenario',
      'range',
      '--sensors',
      '5',
      '--rate',
      '50',
      '--seed',
      '7',
      '--quiet',
    ]);
    try {
      await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'running', {
        timeout: 45_000,
      });
      await expect(page.getByTestId('ro-shot').first()).toBeVisible({ timeout: 20_000 });
      // While the string runs: clock, plates, shots, penalties, score and approve are all on screen.
      expect(await scrolled()).toBe(false);
      for (const id of [
        'ro-clock-box',
        'plate-map',
        'ro-shots',
        'ro-add-misses',
        'ro-score-total',
        'ro-approve',
      ])
        await inView(id);
      const clockTop = (await page.getByTestId('ro-clock-box').boundingBox())!.y;

      await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'review', {
        timeout: 30_000,
      });
      // The string stopping must not move the clock, and the score is still in view.
      expect((await page.getByTestId('ro-clock-box').boundingBox())!.y).toBe(clockTop);
      await inView('ro-score-total');
      await inView('ro-approve');

      // The next string starts while this one still waits for approval: the banner saying so
      // floats over the page, so the clock stays where it was and the string stays on screen.
      await expect(page.getByTestId('ro-pending')).toBeVisible({ timeout: 45_000 });
      await expect(page.getByTestId('ro-clock-box')).toHaveAttribute('data-state', 'running');
      expect((await page.getByTestId('ro-clock-box').boundingBox())!.y).toBe(clockTop);
      await inView('ro-score-total');
      await inView('ro-approve');
      await inView('ro-pending');
    } finally {
      await stopSimulator(sim);
    }
  });
});
