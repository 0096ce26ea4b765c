import { describe, expect, it } from 'vitest';
import type { BridgesState } from '../../../src-shared/contract/bridges';
import { bleTone, retryIn, serialTone, summary } from './model';

describe('bridges view model', () => {
  it('maps states to tones (never colour alone: the label goes with it)', () => {
    expect(serialTone('open')).toBe('ok');
    expect(serialTone('waiting')).toBe('bad');
    expect(serialTone('disabled')).toBe('idle');
    expect(bleTone('connected')).toBe('ok');
    expect(bleTone('needs-permission')).toBe('warn');
    expect(bleTone('reconnecting')).toBe('bad');
  });

  it('counts down to the next retry', () => {
    const now = Date.UTC(2026, 1, 17, 12, 0, 0);
    expect(retryIn('2026-02-17T12:00:02.100Z', now)).toBe(3);
    expect(retryIn('2026-02-17T11:59:59.000Z', now)).toBe(0);
    expect(retryIn(null, now)).toBeNull();
  });

  it('summarizes enabled bridges only', () => {
    const state = {
      serial: {
        ports: [
          { enabled: true, state: 'open' },
          { enabled: true, state: 'waiting' },
          { enabled: false, state: 'disabled' },
        ],
      },
      ble: { devices: [{ enabled: true, state: 'connected' }] },
    } as unknown as BridgesState;
    expect(summary(state)).toBe('1 of 2 serial open · 1 of 1 BLE connected');
    expect(summary({ serial: { ports: [] }, ble: { devices: [] } } as unknown as BridgesState)).toBeNull();
    expect(
      summary({
        serial: { ports: [] },
        ble: { devices: [{ enabled: true, state: 'reconnecting' }] },
      } as unknown as BridgesState),
    ).toBe('0 of 1 BLE connected');
  });
});
