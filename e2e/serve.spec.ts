import mqtt from 'mqtt';
import { expect, simulate, stopSimulator, test } from './serve-fixture';

test.describe('serve + simulator in Chromium', () => {
  test('live shots appear, sensors show measured rates, the monitor shows a reject', async ({
    page,
    served,
  }) => {
    const sim = simulate(served.mqttUrl, [
      '--scenario',
      'range',
      '--rate',
      '50',
      '--sensors',
      '3',
      '--seed',
      '7',
      '--quiet',
    ]);
    try {
      await page.goto(served.httpUrl);
      await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();

      // Live: the simulator's first string starts within seconds; shots arrive one by one.
      await page.getByTestId('nav-live').click();
      await expect(page.getByTestId('shot-row').first()).toBeVisible({ timeout: 45_000 });

      // Sensors: three simulated sensors with a measured rate near 50 Hz.
      await page.getByTestId('nav-sensors').click();
      const rows = page.getByTestId('sensor-row');
      await expect(rows).toHaveCount(3, { timeout: 30_000 });
      await expect
        .poll(async () => {
          const res = await page.request.get(`${served.httpUrl}/api/sensors`);
          const body = (await res.json()) as { sensors: { rate_hz: number | null }[] };
          return body.sensors.map((s) => s.rate_hz ?? 0).every((r) => r > 25 && r < 75);
        })
        .toBe(true);

      // Monitor: a malformed message becomes a visible reject with its reason, and ingest goes on.
      const client = await mqtt.connectAsync(served.mqttUrl);
      await client.publishAsync('leadville/timer/events', '{"event_type": "SHOT", "time": oops}', { qos: 1 });
      await client.endAsync();
      await page.getByTestId('nav-monitor').click();
      const reject = page.getByTestId('reject-row').first();
      await expect(reject).toContainText('leadville/timer/events');
      await expect(reject).toContainText(/malformed JSON/i);
    } finally {
      await stopSimulator(sim);
    }
  });

  test('a hostile plate id renders as text, never as markup', async ({ page, served }) => {
    await page.goto(served.httpUrl);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const client = await mqtt.connectAsync(served.mqttUrl);
    await client.publishAsync(
      'leadville/timer/events',
      JSON.stringify({ event_type: 'START', string_number: 1 }),
      { qos: 1 },
    );
    await client.publishAsync(
      'leadville/detection/impacts',
      JSON.stringify({
        event_type: 'HIT',
        sensor_id: 'bt50-01',
        plate_id: '<img src=x onerror=alert(1)>',
        peak_amplitude: 30,
        t_rel_ms: 500,
      }),
      { qos: 1 },
    );
    await client.endAsync();
    await page.getByTestId('nav-live').click();
    const impact = page.getByTestId('impact-row').first();
    await expect(impact).toContainText('<img src=x onerror=alert(1)>');
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    expect(dialogs).toBe(0);
  });
});
