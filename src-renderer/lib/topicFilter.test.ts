import { describe, expect, it } from 'vitest';
import { compileTopicFilter, isValidTopicFilter, matchTopic } from './topicFilter';

describe('isValidTopicFilter', () => {
  it('accepts the MQTT 3.1.1 examples', () => {
    for (const f of ['#', '+', 'sport/#', 'sport/tennis/+', '+/+', '/+', 'sport/+/player1', 'a/b/c']) {
      expect(isValidTopicFilter(f), f).toBe(true);
    }
  });
  it('rejects misplaced wildcards', () => {
    for (const f of ['sport/tennis#', 'sport/tennis/#/ranking', 'sport+', 'a/#/b', 'a/b+/c', '']) {
      expect(isValidTopicFilter(f), f).toBe(false);
    }
  });
});

describe('matchTopic', () => {
  it('matches exact topics only without wildcards', () => {
    expect(matchTopic('a/b', 'a/b')).toBe(true);
    expect(matchTopic('a/b', 'a/b/c')).toBe(false);
    expect(matchTopic('a/b', 'a')).toBe(false);
    expect(matchTopic('a/b', 'A/b')).toBe(false);
  });
  it('treats + as exactly one level', () => {
    expect(matchTopic('leadville/sensor/+/telemetry', 'leadville/sensor/s1/telemetry')).toBe(true);
    expect(matchTopic('leadville/sensor/+/telemetry', 'leadville/sensor/s1/status')).toBe(false);
    expect(matchTopic('leadville/sensor/+/telemetry', 'leadville/sensor/a/b/telemetry')).toBe(false);
    expect(matchTopic('sport/+', 'sport')).toBe(false);
    expect(matchTopic('sport/+', 'sport/')).toBe(true);
    expect(matchTopic('+/+', '/finance')).toBe(true);
    expect(matchTopic('/+', '/finance')).toBe(true);
    expect(matchTopic('+', '/finance')).toBe(false);
  });
  it('treats # as the rest, including the parent level', () => {
    expect(matchTopic('sport/#', 'sport')).toBe(true);
    expect(matchTopic('sport/#', 'sport/tennis/player1/ranking')).toBe(true);
    expect(matchTopic('sport/#', 'sports/tennis')).toBe(false);
    expect(matchTopic('#', 'anything/at/all')).toBe(true);
  });
  it('does not match $-topics with a leading wildcard', () => {
    expect(matchTopic('#', '$SYS/broker/clients')).toBe(false);
    expect(matchTopic('+/broker/clients', '$SYS/broker/clients')).toBe(false);
    expect(matchTopic('$SYS/#', '$SYS/broker/clients')).toBe(true);
  });
});

describe('compileTopicFilter', () => {
  it('matches everything when empty', () => {
    const f = compileTopicFilter('   ');
    expect(f.mode).toBe('all');
    expect(f.test('x/y')).toBe(true);
  });
  it('uses MQTT semantics for valid wildcard filters', () => {
    const f = compileTopicFilter('whackamole/+/status');
    expect(f.mode).toBe('mqtt');
    expect(f.test('whackamole/cab-1/status')).toBe(true);
    expect(f.test('whackamole/cab-1/session')).toBe(false);
  });
  it('falls back to case-insensitive substring for plain text and flags bad wildcards', () => {
    const plain = compileTopicFilter('Timer');
    expect(plain.mode).toBe('substring');
    expect(plain.invalidWildcard).toBe(false);
    expect(plain.test('leadville/timer/events')).toBe(true);
    expect(plain.test('leadville/sensor/s1/status')).toBe(false);

    const bad = compileTopicFilter('a/#/b');
    expect(bad.mode).toBe('substring');
    expect(bad.invalidWildcard).toBe(true);
    expect(bad.test('x/a/#/b/y')).toBe(true);
    expect(bad.test('a/x/b')).toBe(false);
  });
});
