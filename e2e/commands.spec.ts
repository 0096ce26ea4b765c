import mqtt from 'mqtt';
import { expect, simulate, stopSimulator, test } from './serve-fixture';

test.describe('command panel in Chromium', () => {
  test('sends a command from the panel (with confirmation) and follows it to its end', async ({
    page,
    served,
  }) => {
    const sim = simulate(served.mqttUrl, ['--scenario', 'arcade', '--seed', '3', '--quiet']);
    try {
      await page.goto(served.httpUrl);
      await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
      await page.getByTestId('nav-devices').click();

      // Select the cabinet from the keyboard: focus its row, Enter.
      const row = page.locator('[data-testid="device-row"][data-device-id="cab-01"]');
      await expect(row).toHaveAttribute('data-online', 'true', { timeout: 30_000 });
      await row.focus();
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('device-detail');
      await expect(detail).toHaveAttribute('data-device-id', 'cab-01');

      // A bad argument is refused in the form and nothing is sent.
      await page.getByTestId('command-select').selectOption('set_level');
      await page.getByTestId('command-arg-level').fill('0');
      await page.getByTestId('command-send').click();
      await expect(detail.getByRole('alert')).toContainText('level');
      await expect(page.getByTestId('command-row')).toHaveCount(0);

      // A disruptive command asks first; cancelling sends nothing.
      await page.getByTestId('command-select').selectOption('reset');
      await page.getByTestId('command-send').click();
      const dialog = page.getByTestId('confirm-dialog');
      await expect(dialog).toBeVisible();
      await expect(dialog).toContainText('Reset on cab-01?');
      await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      await expect(page.getByTestId('command-row')).toHaveCount(0);

      // Confirmed, it goes out; cabinets never answer, so its end is `delivered`.
      await page.getByTestId('command-send').click();
      await page.getByTestId('confirm-ok').click();
      const sent = page.locator('[data-testid="command-row"][data-command="reset"]');
      await expect(sent).toHaveCount(1);
      await expect(sent).toHaveAttribute('data-state', 'delivered');
      await expect(sent).toContainText('operator');

      // The API tells the same story.
      const id = await sent.getAttribute('data-command-id');
      const res = await page.request.get(`${served.httpUrl}/api/commands/${id}`);
      expect(await res.json()).toMatchObject({ device_id: 'cab-01', command: 'reset', state: 'delivered' });
    } finally {
      await stopSimulator(sim);
    }
  });

  test('a gateway switch is acknowledged when the gateway reports the actuator state', async ({
    page,
    served,
  }) => {
    const sim = simulate(served.mqttUrl, ['--scenario', 'gateway', '--seed', '5', '--quiet']);
    try {
      await page.goto(`${served.httpUrl}/#/devices`);
      await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
      const row = page.locator('[data-testid="device-row"][data-device-id="MASH-B2-CAL26-CE637C"]');
      await expect(row).toHaveAttribute('data-online', 'true', { timeout: 30_000 });
      await row.click();
      // Rooms, actuators and states are the gateway's known lists: choices, not free text.
      await page.getByTestId('command-select').selectOption('set_actuator');
      await page.getByTestId('command-arg-room').selectOption('fruiting');
      await page.getByTestId('command-arg-actuator').selectOption('mist_maker');
      await page.getByTestId('command-arg-state').selectOption('on');
      await page.getByTestId('command-send').click();
      await page.getByTestId('confirm-ok').click();
      const sent = page.locator('[data-testid="command-row"][data-command="set_actuator"]');
      await expect(sent).toHaveAttribute('data-state', 'acknowledged', { timeout: 20_000 });
      await expect(page.getByTestId('command-last')).toHaveAttribute('data-state', 'acknowledged');
    } finally {
      await stopSimulator(sim);
    }
  });

  test('shows the config diff before a push, pushes it retained; adds a credential shown once', async ({
    page,
    served,
  }) => {
    const sim = simulate(served.mqttUrl, ['--scenario', 'arcade', '--seed', '4', '--quiet']);
    try {
      await page.goto(`${served.httpUrl}/#/devices`);
      await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
      const row = page.locator('[data-testid="device-row"][data-device-id="cab-02"]');
      await expect(row).toHaveAttribute('data-online', 'true', { timeout: 30_000 });
      await row.click();
      const config = page.getByTestId('config-panel');
      await expect(config).toBeVisible();

      await page.getByTestId('config-override-volume').fill('30');
      await page.getByTestId('config-push').click();
      const diff = page.getByTestId('config-diff');
      // Nothing was pushed to this cabinet yet: the diff is against nothing.
      await expect(diff).toContainText('volume: — → 30');
      await expect(diff).toContainText('version');
      await page.getByTestId('confirm-ok').click();
      await expect(config.locator('[data-testid="config-row"][data-key="volume"]')).toHaveAttribute(
        'data-changed',
        'false',
      );
      await expect(config).toContainText('device has this configuration');

      // What a cabinet connecting now reads: the retained config.
      const client = await mqtt.connectAsync(served.mqttUrl);
      const retained = new Promise<Record<string, unknown>>((resolve) =>
        client.on('message', (_t, payload) =>
          resolve(JSON.parse(payload.toString()) as Record<string, unknown>),
        ),
      );
      await client.subscribeAsync('whackamole/cab-02/config', { qos: 1 });
      expect(await retained).toMatchObject({ volume: 30, difficulty: 'normal' });
      await client.endAsync();

      await page.getByTestId('credential-device').fill('cab-09');
      await page.getByTestId('credential-add').click();
      await expect(page.getByTestId('credential-password')).toHaveText(/^[A-Za-z0-9_-]{16,}$/);
      await expect(page.locator('[data-testid="credential-row"][data-username="cab-09"]')).toContainText(
        'not connected',
      );
    } finally {
      await stopSimulator(sim);
    }
  });
});
