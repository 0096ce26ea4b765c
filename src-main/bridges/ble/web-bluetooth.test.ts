import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebBluetoothSelector } from './web-bluetooth';

const chooser = [
  { deviceId: '11:22:33:44:55:66', deviceName: 'Headphones' },
  { deviceId: 'C4:5A:11:22:33:44', deviceName: 'AMG LAB COMM 1' },
];

afterEach(() => vi.useRealTimers());

describe('WebBluetoothSelector (select-bluetooth-device in the main process)', () => {
  it('picks the device the bridge wants, as soon as Electron has found it', () => {
    const s = new WebBluetoothSelector();
    s.setWanted(['C4:5A:11:22:33:44']);
    const picked: string[] = [];
    s.onSelect(chooser.slice(0, 1), (id) => picked.push(id));
    expect(picked).toEqual([]);
    s.onSelect(chooser, (id) => picked.push(id));
    expect(picked).toEqual(['C4:5A:11:22:33:44']);
    expect(s.lastChosen?.deviceName).toBe('AMG LAB COMM 1');
  });

  it('picks a device that becomes wanted while the chooser is open', () => {
    const s = new WebBluetoothSelector();
    const picked: string[] = [];
    s.onSelect(chooser, (id) => picked.push(id));
    s.setWanted(['C4:5A:11:22:33:44']);
    expect(picked).toEqual(['C4:5A:11:22:33:44']);
  });

  it('cancels a chooser nothing wanted, after a while; never picks on its own', () => {
    vi.useFakeTimers();
    const s = new WebBluetoothSelector();
    const picked: string[] = [];
    s.onSelect(chooser, (id) => picked.push(id));
    vi.advanceTimersByTime(14_000);
    expect(picked).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(picked).toEqual(['']);
  });

  it('while scanning, reports every device and cancels when the scan ends', () => {
    const s = new WebBluetoothSelector();
    const seen: string[] = [];
    const stop = s.scan(Date.now() + 10_000, (adv) => seen.push(`${adv.address} ${adv.name}`));
    const picked: string[] = [];
    s.onSelect(chooser, (id) => picked.push(id));
    expect(seen).toEqual(['11:22:33:44:55:66 Headphones', 'C4:5A:11:22:33:44 AMG LAB COMM 1']);
    stop();
    expect(picked).toEqual(['']);
  });
});
