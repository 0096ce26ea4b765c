// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandReq } from '../../../src-shared/contract';
import type { BridgesState, SerialPortRow } from '../../../src-shared/contract/bridges';
import { renderView } from '../../../tests/support/renderer/renderView';
import { BridgesView } from './BridgesView';

afterEach(cleanup);

/** A bridges service in memory: what is saved is what the next list shows. */
function core() {
  const ports: SerialPortRow[] = [];
  const state = (): BridgesState => ({
    serial: { ports: structuredClone(ports) },
    ble: {
      transport: null,
      available: false,
      reason: 'no Bluetooth adapter',
      scanning: false,
      scan_until: null,
      devices: [],
      discovered: [],
      drivers: [],
    },
    settings: { republish: false, ble_transport: 'auto' },
  });
  const save = (req: CommandReq<'bridges.serial.save'>): SerialPortRow => {
    const id = req.id ?? `port-${ports.length + 1}`;
    const existing = ports.find((p) => p.id === id);
    const row: SerialPortRow = {
      id,
      path: req.path,
      baud_rate: req.baud_rate,
      enabled: req.enabled ?? true,
      default_topic: req.default_topic ?? null,
      device_id: req.device_id ?? null,
      max_line_bytes: 65536,
      state: (req.enabled ?? true) ? 'open' : 'disabled',
      error: null,
      attempts: 0,
      next_retry_at: null,
      opened_at: null,
      lines_in: existing?.lines_in ?? 0,
      bytes_in: 0,
      rejects: 0,
      commands_out: 0,
      last_line_at: null,
      devices: [],
    };
    if (existing) Object.assign(existing, row);
    else ports.push(row);
    return row;
  };
  return {
    ports,
    handlers: {
      'bridges.list': state,
      'bridges.serial.available': () => ({ ports: [] }),
      'bridges.serial.save': save,
    },
  };
}

describe('Bridges view', () => {
  it('says why there is no BLE, and that no serial port is configured', async () => {
    renderView(<BridgesView />, core().handlers);
    expect((await screen.findByTestId('ble-transport')).textContent).toContain('no Bluetooth adapter');
    expect(screen.getByTestId('serial-empty')).toBeTruthy();
  });

  it('a port added with the form is saved with its path and baud rate and then listed', async () => {
    const c = core();
    const v = renderView(<BridgesView />, c.handlers);
    await screen.findByTestId('serial-empty');
    fireEvent.change(screen.getByTestId('serial-path'), { target: { value: '/dev/ttyUSB0' } });
    fireEvent.change(screen.getByTestId('serial-baud'), { target: { value: '9600' } });
    fireEvent.submit(screen.getByTestId('serial-form'));
    const row = await screen.findByTestId('serial-port-row');
    expect(row.dataset.portId).toBe('port-1');
    expect(within(row).getByText('/dev/ttyUSB0')).toBeTruthy();
    expect(within(row).getByText('9600')).toBeTruthy();
    expect(v.calls.find((x) => x.name === 'bridges.serial.save')?.req).toMatchObject({
      path: '/dev/ttyUSB0',
      baud_rate: 9600,
      default_topic: null,
    });
  });

  it('Disable sends the port disabled and the row follows what the core lists', async () => {
    const c = core();
    c.handlers['bridges.serial.save']({ path: '/dev/ttyACM0', baud_rate: 115200 });
    const v = renderView(<BridgesView />, c.handlers);
    const row = await screen.findByTestId('serial-port-row');
    expect(row.dataset.state).toBe('open');
    fireEvent.click(within(row).getByText('Disable'));
    await waitFor(() => expect(screen.getByTestId('serial-port-row').dataset.state).toBe('disabled'));
    expect(v.calls.filter((x) => x.name === 'bridges.serial.save').at(-1)?.req).toMatchObject({
      id: 'port-1',
      enabled: false,
    });
  });
});
