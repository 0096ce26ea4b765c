/**
 * The Bridges view in Chromium against `serve`, with a socat virtual serial cable: the operator
 * adds a port, a device on the other end sends a string that shows on the Live view, a malformed
 * line shows as a reject with its reason, the cable is pulled (the port shows it reconnecting)
 * and plugged back (open again, lines flowing). The BLE panel shows why BLE is not available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { expect, test } from './serve-fixture';

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cable(a: string, b: string): Promise<ChildProcess> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: 'ignore',
  });
  await until('socat links', () => existsSync(a) && existsSync(b));
  return proc;
}

async function unplug(proc: ChildProcess, a: string): Promise<void> {
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
  await until('the link to vanish', () => !existsSync(a));
}

async function device(path: string): Promise<{ write(line: string): Promise<void>; close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((err) => (err ? rej(err) : res())));
  port.on('error', () => undefined);
  return {
    write: (line) =>
      new Promise<void>((res, rej) => port.write(`${line}\n`, (e) => (e ? rej(e) : port.drain(() => res())))),
    close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
  };
}

test.describe('Bridges view', () => {
  let dir: string;
  const procs: ChildProcess[] = [];

  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marshal-e2e-serial-'));
  });

  test.afterEach(() => {
    for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a serial device: add the port, see its string live, a reject, unplug and replug', async ({
    page,
    served,
  }) => {
    const a = join(dir, 'console');
    const b = join(dir, 'device');
    let socat = await cable(a, b);
    procs.push(socat);

    await page.goto(served.httpUrl);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
    await page.getByTestId('nav-bridges').click();
    await expect(page.getByTestId('bridges-view')).toBeVisible();
    await expect(page.getByTestId('serial-empty')).toBeVisible();
    await expect(page.getByTestId('ble-empty')).toBeVisible();

    // Add the port from the form, keyboard style.
    await page.getByTestId('serial-path').fill(a);
    await page.getByTestId('serial-baud').selectOption('115200');
    await page.getByTestId('serial-id').fill('usb-timer');
    await page.getByTestId('serial-save').click();
    const row = page.locator('[data-testid="serial-port-row"][data-port-id="usb-timer"]');
    await expect(row).toHaveAttribute('data-state', 'open');
    await expect(row.getByTestId('serial-port-state')).toContainText('open');

    // The timer on USB starts a string and shoots: the Live view shows it like any timer.
    let dev = await device(b);
    const now = new Date().toISOString();
    await dev.write(
      `{"topic":"leadville/timer/events","payload":{"event_type":"START","timer_id":"usb-timer","string_number":1,"timestamp":"${now}"}}`,
    );
    await dev.write(
      '{"topic":"leadville/timer/events","payload":{"event_type":"SHOT","timer_id":"usb-timer","string_number":1,"shot_number":1,"time_ms":2290,"split_ms":2290}}',
    );
    await expect(row.getByTestId('serial-port-lines')).toHaveText('2');
    await expect(row).toContainText('usb-timer');
    await page.getByTestId('nav-live').click();
    await expect(page.getByTestId('shot-row').first()).toBeVisible();
    await expect(page.getByTestId('shot-row').first()).toContainText('2.29');

    // A malformed line is a reject with its reason in the Monitor.
    await dev.write('{"topic": "leadville/timer/events", oops');
    await page.getByTestId('nav-monitor').click();
    const reject = page.getByTestId('reject-row').first();
    await expect(reject).toContainText('serial/usb-timer');
    await expect(reject).toContainText(/not JSON/);

    // Pull the cable: the port shows it is reconnecting, with the reason.
    await page.getByTestId('nav-bridges').click();
    await dev.close();
    await unplug(socat, a);
    await expect(row).toHaveAttribute('data-state', 'waiting');
    await expect(row.getByTestId('serial-port-state')).toContainText('reconnecting');
    await expect(row).toContainText(/disconnected|not there/);

    // Plug it back in: open again, and lines flow.
    socat = await cable(a, b);
    procs.push(socat);
    await expect(row).toHaveAttribute('data-state', 'open');
    dev = await device(b);
    await dev.write(
      '{"topic":"leadville/timer/events","payload":{"event_type":"STOP","timer_id":"usb-timer","string_number":1}}',
    );
    // Counted since the port was added: two lines, the malformed one, and this one.
    await expect(row.getByTestId('serial-port-lines')).toHaveText('4');
    await dev.close();
  });

  test('BLE: a scan without Bluetooth says why', async ({ page, served }) => {
    await page.goto(served.httpUrl);
    await expect(page.locator('html[data-app-state="ready"]')).toBeAttached();
    await page.getByTestId('nav-bridges').click();
    await page.getByTestId('ble-scan').click();
    await expect(page.getByRole('alert').filter({ hasText: /^Scan: / })).toBeVisible();
    await expect(page.getByTestId('ble-transport')).toContainText(/no BLE transport/);
  });
});
