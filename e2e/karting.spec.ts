import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, stopSimulator, test } from './serve-fixture';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test.describe('karting in Chromium', () => {
  test('a simulated race shows in the Karting view and on the spectator page', async ({ page, served }) => {
    // The karting scenario serves feeds and prints their URLs on stdout.
    const sim = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src-main/simulator/cli.ts',
        '--scenario',
        'karting',
        '--speed',
        '30',
        '--seed',
        '3',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      sim.stdout!.on('data', (d) => (out += String(d)));
      await expect
        .poll(() => /^karting apex: (\S+)$/m.exec(out)?.[1] ?? null, { timeout: 30_000 })
        .not.toBeNull();
      const wsUrl = /^karting apex: (\S+)$/m.exec(out)![1]!;
      const put = await page.request.put(`${served.httpUrl}/api/circuits/e2eRace`, {
        data: { nom: 'E2E Ring', wssUrl: wsUrl },
      });
      expect(put.ok()).toBe(true);

      await page.goto(`${served.httpUrl}/#/karting`);
      await page.getByTestId('nav-karting').click();
      await expect(page.getByTestId('karting-circuits')).toContainText('E2E Ring');
      await page.getByTestId('karting-start-e2eRace').click();
      const rows = page.getByTestId('karting-standings').locator('tbody tr');
      await expect(rows).toHaveCount(12, { timeout: 30_000 });
      // Laps arrive: some last-lap cell gets a time.
      await expect
        .poll(
          async () =>
            (await rows.locator('td:nth-child(5)').allTextContents()).some((t) => /\d+\.\d{3}/.test(t)),
          {
            timeout: 45_000,
          },
        )
        .toBe(true);
      await expect(page.getByTestId('karting-log')).toContainText('connected');

      const tv = await page.context().newPage();
      await tv.goto(`${served.httpUrl}/karting?circuit=e2eRace`);
      await expect(tv.locator('#rows tr')).toHaveCount(12, { timeout: 15_000 });
    } finally {
      await stopSimulator(sim);
    }
  });
});
