import { describe, expect, it } from 'vitest';
import { componentTone, formatRelative, formatSeconds, prettyPayload, rssiTone } from './format';

describe('formatSeconds', () => {
  it('shows integer ms as seconds with two decimals without float drift', () => {
    expect(formatSeconds(2290)).toBe('2.29');
    expect(formatSeconds(1680)).toBe('1.68');
    expect(formatSeconds(3480)).toBe('3.48');
    expect(formatSeconds(610)).toBe('0.61');
    expect(formatSeconds(5)).toBe('0.01');
    expect(formatSeconds(0)).toBe('0.00');
    expect(formatSeconds(100_000)).toBe('100.00');
    expect(formatSeconds(null)).toBe('—');
    expect(formatSeconds(NaN)).toBe('—');
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2026-02-17T12:00:00Z');
  it('describes the age of a timestamp', () => {
    expect(formatRelative('2026-02-17T12:00:00Z', now)).toBe('just now');
    expect(formatRelative('2026-02-17T11:59:48Z', now)).toBe('12 s ago');
    expect(formatRelative('2026-02-17T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2026-02-17T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2026-02-10T12:00:00Z', now)).toBe('7 d ago');
    expect(formatRelative(null, now)).toBe('—');
    expect(formatRelative('garbage', now)).toBe('—');
  });
});

describe('prettyPayload', () => {
  it('pretty-prints JSON objects and arrays', () => {
    expect(prettyPayload('{"a":1,"b":[1,2]}')).toEqual({
      text: '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}',
      json: true,
    });
  });
  it('returns text that does not parse unchanged', () => {
    expect(prettyPayload('{"a":')).toEqual({ text: '{"a":', json: false });
    expect(prettyPayload('<img src=x onerror=alert(1)>')).toEqual({
      text: '<img src=x onerror=alert(1)>',
      json: false,
    });
    expect(prettyPayload('42')).toEqual({ text: '42', json: false });
  });
});

describe('tones', () => {
  it('maps component states to a tone and a word', () => {
    expect(componentTone('up')).toEqual({ tone: 'ok', label: 'up' });
    expect(componentTone('degraded')).toEqual({ tone: 'warn', label: 'degraded' });
    expect(componentTone('down')).toEqual({ tone: 'bad', label: 'down' });
    expect(componentTone(undefined)).toEqual({ tone: 'idle', label: 'unknown' });
  });
  it('grades RSSI', () => {
    expect(rssiTone(-60)).toBe('ok');
    expect(rssiTone(-80)).toBe('warn');
    expect(rssiTone(-90)).toBe('bad');
    expect(rssiTone(null)).toBe('idle');
  });
});
