/** Pure helpers for the Bridges view. */
import type {
  BleDeviceRow,
  BleLinkState,
  BridgesState,
  SerialPortRow,
  SerialPortState,
} from '../../../src-shared/contract/bridges';
import type { Tone } from '../../lib/format';

export const SERIAL_STATE_LABEL: Record<SerialPortState, string> = {
  disabled: 'disabled',
  connecting: 'opening',
  open: 'open',
  waiting: 'reconnecting',
};

export const BLE_STATE_LABEL: Record<BleLinkState, string> = {
  disabled: 'disabled',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  unavailable: 'no transport',
  'needs-permission': 'needs a click',
};

export function serialTone(s: SerialPortState): Tone {
  return s === 'open' ? 'ok' : s === 'disabled' ? 'idle' : s === 'connecting' ? 'warn' : 'bad';
}

export function bleTone(s: BleLinkState): Tone {
  if (s === 'connected') return 'ok';
  if (s === 'disabled') return 'idle';
  if (s === 'connecting' || s === 'needs-permission') return 'warn';
  return 'bad';
}

/** Seconds until a retry, for "retry in 3 s"; null when none is scheduled. */
export function retryIn(iso: string | null, now: number): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

export function summary(state: BridgesState | null): string | null {
  if (!state) return null;
  const ports = state.serial.ports.filter((p) => p.enabled);
  const open = ports.filter((p) => p.state === 'open').length;
  const ble = state.ble.devices.filter((d) => d.enabled);
  const connected = ble.filter((d) => d.state === 'connected').length;
  const parts: string[] = [];
  if (ports.length) parts.push(`${open} of ${ports.length} serial open`);
  if (ble.length) parts.push(`${connected} of ${ble.length} BLE connected`);
  return parts.length ? parts.join(' · ') : null;
}

export function sortPorts(ports: readonly SerialPortRow[]): SerialPortRow[] {
  return [...ports].sort((a, b) => a.id.localeCompare(b.id));
}

export function sortDevices(devices: readonly BleDeviceRow[]): BleDeviceRow[] {
  return [...devices].sort((a, b) => a.device_id.localeCompare(b.device_id));
}
