import mqtt from 'mqtt';
import { expect, simulate, stopSimulator, test } from './serve-fixture';

test.describe('games and gateways in Chromium', () => {
  test('simulated cabinets play and the spectator page updates itself', async ({ page, served }) => {
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${served.httpUrl}/leaderboard?min_tasks=1`);
    await expect(page.locator('#status[data-live="connected"]')).toBeVisible();
    await expect(page.locator('#sessions-empty')).toBeVisible();
    // Read-only: nothing to press or type into.
    await expect(page.locator('button, input, select, textarea, form')).toHaveCount(0);
    // A marker that a reload would wipe: the page must update without one.
    await page.evaluate(() => ((globalThis as unknown as { __stay: number }).__stay = 1));

    const arcade = simulate(served.mqttUrl, ['--scenario', 'arcade', '--seed', '7', '--quiet']);
    const games = simulate(served.mqttUrl, [
      '--scenario',
      'neurogame',
      '--seed',
      '7',
      '--quiet',
      '--events-url',
      `${served.httpUrl}/v1/events`,
    ]);
    try {
      const rows = page.getByTestId('spectator-sessions-row');
      await expect(rows.first()).toBeVisible({ timeout: 45_000 });
      await expect(page.locator('#sessions-empty')).toBeHidden();
      const firstRank = await rows.first().getAttribute('data-rank');
      expect(firstRank).toBe('1');
      const sessionsShown = async () => {
        const cells = await rows.locator('td:nth-child(4)').allTextContents();
        return cells.reduce((n, c) => n + Number(c), 0);
      };
      const before = await sessionsShown();
      // More games finish: the board moves on by itself, over /live.
      await expect.poll(sessionsShown, { timeout: 45_000 }).toBeGreaterThan(before);
      // It matches the API.
      // A bare array, as the original whack-a-mole backend served it.
      const api = (await (await page.request.get(`${served.httpUrl}/api/leaderboard?limit=10`)).json()) as {
        player: string;
        best_score: number;
      }[];
      await expect(rows.first().locator('td.name')).toHaveText(api[0]!.player);
      // Cognitive-task results arrive too.
      await expect(page.getByTestId('spectator-tasks-row').first()).toBeVisible({ timeout: 30_000 });
      expect(await page.evaluate(() => (globalThis as unknown as { __stay?: number }).__stay)).toBe(1);
      expect(cspErrors).toEqual([]);
    } finally {
      await stopSimulator(arcade);
      await stopSimulator(games);
    }
  });

  test('the Games view ranks live and a cabinet command is followed to its end', async ({ page, served }) => {
    const arcade = simulate(served.mqttUrl, ['--scenario', 'arcade', '--seed', '3', '--quiet']);
    try {
      await page.goto(`${served.httpUrl}/#/games`);
      await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
      await expect(page.getByTestId('cabinet-row')).toHaveCount(3, { timeout: 30_000 });
      await expect(page.getByTestId('leaderboard-row').first()).toBeVisible({ timeout: 45_000 });
      await expect(page.getByTestId('leaderboard-row').first()).toHaveAttribute('data-rank', '1');

      const cab = page.locator('[data-testid="cabinet-row"][data-device-id="cab-01"]');
      await expect(cab).toHaveAttribute('data-online', 'true');
      await cab.getByRole('button', { name: 'Identify' }).click();
      // Cabinets never answer: the command's end is `delivered` (the broker took it).
      await expect(cab.getByTestId('cabinet-command-state')).toHaveText('delivered', { timeout: 20_000 });

      // Filters: one cabinet's board.
      await page.getByTestId('filter-device').selectOption('cab-02');
      await expect
        .poll(async () => {
          const players = await page
            .getByTestId('leaderboard-row')
            .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-player')));
          const api = (await (
            await page.request.get(`${served.httpUrl}/api/leaderboard?device_id=cab-02&limit=25`)
          ).json()) as { player: string }[];
          return JSON.stringify(players) === JSON.stringify(api.map((e) => e.player));
        })
        .toBe(true);
    } finally {
      await stopSimulator(arcade);
    }
  });

  test('a CO2 excursion raises a console alert the operator acknowledges', async ({ page, served }) => {
    await page.goto(`${served.httpUrl}/#/gateways`);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
    await expect(page.getByTestId('gateways-empty')).toBeVisible();

    const client = await mqtt.connectAsync(served.mqttUrl);
    try {
      const now = Date.now();
      for (const [i, co2] of [900, 1100, 1650].entries()) {
        await client.publishAsync(
          'devices/gw-e2e/sensor_data',
          JSON.stringify({
            fruiting: { temp: 23.5 + i / 10, humidity: 86, co2 },
            timestamp: new Date(now - (3 - i) * 5000).toISOString(),
          }),
          { qos: 1 },
        );
      }
    } finally {
      await client.endAsync();
    }
    await expect(page.locator('[data-testid="gateway-row"][data-device-id="gw-e2e"]')).toBeVisible({
      timeout: 20_000,
    });
    for (const metric of ['temp', 'humidity', 'co2']) {
      await expect(page.locator(`[data-testid="gateway-chart"][data-metric="${metric}"]`)).toBeVisible();
    }
    const alert = page.locator('[data-testid="alert-row"][data-source="console"]');
    await expect(alert).toHaveCount(1, { timeout: 20_000 });
    await expect(alert).toContainText('CRITICAL');
    await expect(alert).toContainText('high_co2');
    await expect(alert.getByTestId('alert-ack-button')).toBeDisabled();
    await page.getByTestId('alerts-operator').fill('Sam');
    await alert.getByTestId('alert-ack-button').click();
    // Acknowledged alerts leave the open list; they are kept with who acknowledged them.
    await expect(page.getByTestId('alerts-empty')).toBeVisible();
    await page.getByTestId('alerts-state').selectOption('acknowledged');
    await expect(
      page.locator('[data-testid="alert-row"][data-acknowledged="true"]').getByTestId('alert-ack'),
    ).toContainText('Sam');
  });
});
