// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandRecord, CommandState } from '../../../src-shared/contract/devices';
import type { DeviceRow } from '../../../src-shared/contract/types';
import { renderView } from '../../../tests/support/renderer/renderView';
import { DevicesView } from './DevicesView';

afterEach(cleanup);

const NOW = new Date().toISOString();

function device(over: Partial<DeviceRow> & Pick<DeviceRow, 'device_id' | 'family'>): DeviceRow {
  return {
    name: null,
    online: true,
    last_seen: NOW,
    battery: null,
    rssi: null,
    firmware: null,
    role: null,
    ...over,
  };
}

function command(id: string, state: CommandState, over: Partial<CommandRecord> = {}): CommandRecord {
  return {
    id,
    device_id: 'cab-1',
    family: 'whackamole',
    target: 'cabinet',
    command: 'start',
    args: {},
    state,
    who: 'operator',
    created_at: NOW,
    sent_at: state === 'queued' ? null : NOW,
    acked_at: state === 'acknowledged' || state === 'failed' ? NOW : null,
    finished_at: state === 'acknowledged' || state === 'failed' ? NOW : null,
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    timeout_ms: 10_000,
    error: null,
    via: state === 'queued' ? null : 'mqtt',
    topic: state === 'queued' ? null : 'whackamole/cab-1/command',
    attempts: state === 'queued' ? 0 : 1,
    ...over,
  };
}

function handlers(devices: DeviceRow[], history: CommandRecord[] = []) {
  return {
    'devices.list': () => ({ devices }),
    'clients.list': () => ({ clients: [] }),
    'commands.list': () => ({ commands: history }),
    'commands.settings': () => ({ ack_timeout_ms: 10_000, expiry_ms: 300_000 }),
  };
}

async function row(deviceId: string): Promise<HTMLElement> {
  const rows = await screen.findAllByTestId('device-row');
  const r = rows.find((x) => x.dataset.deviceId === deviceId);
  if (!r) throw new Error(`no row for ${deviceId}`);
  return r;
}

describe('Devices view', () => {
  it('lists every device the core knows, with its online state', async () => {
    renderView(
      <DevicesView />,
      handlers([
        device({ device_id: 'cab-1', family: 'whackamole', name: 'Booth 1', battery: 81 }),
        device({ device_id: 'gw-7', family: 'gateway', online: false }),
      ]),
    );
    const cab = await row('cab-1');
    expect(cab.dataset.online).toBe('true');
    expect(within(cab).getByText('Booth 1')).toBeTruthy();
    expect(within(cab).getByText('81 %')).toBeTruthy();
    expect((await row('gw-7')).dataset.online).toBe('false');
    expect(screen.getByText(/1 of 2 online/)).toBeTruthy();
  });

  it('a pushed command shows as pending on its device until a push says it was acknowledged', async () => {
    const v = renderView(<DevicesView />, handlers([device({ device_id: 'cab-1', family: 'whackamole' })]));
    const cab = await row('cab-1');
    expect(within(cab).queryByText(/pending/)).toBeNull();

    await v.push('commands', [command('c1', 'queued'), command('c2', 'sent', { command: 'reset' })]);
    expect(within(cab).getByText('2 pending')).toBeTruthy();

    await v.push('commands', [command('c1', 'acknowledged')]);
    expect(within(cab).getByText('1 pending')).toBeTruthy();
    // A late push of an earlier state does not bring the acknowledged command back.
    await v.push('commands', [command('c1', 'sent')]);
    expect(within(cab).getByText('1 pending')).toBeTruthy();

    await v.push('commands', [command('c2', 'failed', { command: 'reset', error: 'busy' })]);
    expect(within(cab).queryByText(/pending/)).toBeNull();
  });

  it('the selected device’s history shows each command’s latest state and the device’s reason', async () => {
    const v = renderView(
      <DevicesView />,
      handlers([device({ device_id: 'cab-1', family: 'whackamole' })], [command('c1', 'sent')]),
    );
    fireEvent.click(await row('cab-1'));
    expect((await screen.findByTestId('device-detail')).dataset.deviceId).toBe('cab-1');
    await v.push('commands', [command('c1', 'failed', { error: 'game already running' })]);
    const history = await screen.findAllByTestId('command-row');
    const c1 = history.find((r) => r.dataset.state === 'failed');
    expect(c1).toBeTruthy();
    expect(within(c1!).getByText(/game already running/)).toBeTruthy();
  });
});
