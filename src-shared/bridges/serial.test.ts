import { describe, expect, it } from 'vitest';
import { LineSplitter, encodeSerialCommand, fillTopic, frameFromLine, topicProblem } from './serial';

const enc = new TextEncoder();
const dec = new TextDecoder();
const lines = (r: { lines: Uint8Array[] }) => r.lines.map((l) => dec.decode(l));

describe('LineSplitter', () => {
  it('splits on LF, drops a CR before it, joins lines across chunks and skips blank lines', () => {
    const s = new LineSplitter(1024);
    expect(lines(s.push(enc.encode('{"a":1}\r\n{"b"')))).toEqual(['{"a":1}']);
    expect(s.pending()).toBe(4);
    expect(lines(s.push(enc.encode(':2}\n\n  \r\n{"c":3}\n')))).toEqual(['{"b":2}', '{"c":3}']);
    expect(s.pending()).toBe(0);
  });

  it('caps line length: an overlong line is reported once with its size and the next line is fine', () => {
    const s = new LineSplitter(16);
    const r1 = s.push(enc.encode('0123456789'));
    expect(r1).toEqual({ lines: [], overflows: [] });
    const r2 = s.push(enc.encode('abcdefghij'));
    expect(r2.overflows).toEqual([]);
    const r3 = s.push(enc.encode('klmnop\n{"ok":1}\n'));
    expect(r3.overflows).toHaveLength(1);
    expect(r3.overflows[0]!.bytes).toBe(26);
    expect(dec.decode(r3.overflows[0]!.head)).toBe('0123456789abcdefghijklmnop'.slice(0, 20));
    expect(lines(r3)).toEqual(['{"ok":1}']);
  });
});

describe('frameFromLine', () => {
  const frame = (text: string, def: string | null = null) => frameFromLine(enc.encode(text), def);
  const payloadOf = (text: string, def: string | null = null) => {
    const f = frame(text, def);
    if (!f.ok) throw new Error(f.reason);
    return { topic: f.topic, payload: dec.decode(f.payload) };
  };

  it('takes topic and payload from the line', () => {
    expect(payloadOf('{"topic":"devices/gw1/status","payload":{"online":true}}')).toEqual({
      topic: 'devices/gw1/status',
      payload: '{"online":true}',
    });
    expect(
      payloadOf('{"topic":"leadville/timer/events","payload":"{\\"event_type\\":\\"START\\"}"}'),
    ).toEqual({
      topic: 'leadville/timer/events',
      payload: '{"event_type":"START"}',
    });
  });

  it('uses the other fields as the payload when the line has a topic but no payload', () => {
    expect(payloadOf('{"topic":"leadville/timer/events","event_type":"SHOT","shot_number":2}')).toEqual({
      topic: 'leadville/timer/events',
      payload: '{"event_type":"SHOT","shot_number":2}',
    });
  });

  it('sends a line without topic to the default topic verbatim, filling placeholders', () => {
    const line = '{"device_id":"cab-7","session_id":"s1","score":12}';
    expect(payloadOf(line, 'whackamole/{device_id}/session')).toEqual({
      topic: 'whackamole/cab-7/session',
      payload: line,
    });
    expect(payloadOf('{"fruiting":{"temp":24.5}}', 'devices/gw-1/sensor_data').payload).toBe(
      '{"fruiting":{"temp":24.5}}',
    );
  });

  it('says why a line cannot be used', () => {
    expect(frame('not json')).toMatchObject({ ok: false, code: 'malformed_json', reason: /not JSON/ });
    expect(frame('[1,2]')).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(frame('{"a":1}')).toMatchObject({
      ok: false,
      code: 'schema',
      reason: /no "topic".*no default topic/,
    });
    expect(frame('{"topic":"a/+/b","payload":{}}')).toMatchObject({
      ok: false,
      code: 'schema',
      reason: /wildcards/,
    });
    expect(frame('{"topic":5}')).toMatchObject({ ok: false, code: 'schema' });
    expect(frame('{"device_id":"<b>"}', 'whackamole/{device_id}/status')).toMatchObject({
      ok: false,
      code: 'invalid_id',
    });
    expect(frameFromLine(Uint8Array.of(0x7b, 0xff, 0x7d), null)).toMatchObject({ ok: false, code: 'binary' });
  });

  it('validates topics and fills templates', () => {
    expect(topicProblem('leadville/timer/events')).toBeNull();
    expect(topicProblem('')).toMatch(/non-empty/);
    expect(topicProblem('$SYS/x')).toMatch(/\$/);
    expect(topicProblem('a/#')).toMatch(/wildcards/);
    expect(fillTopic('leadville/sensor/{sensor_id}/telemetry', { sensor_id: 'p1' })).toEqual({
      ok: true,
      topic: 'leadville/sensor/p1/telemetry',
    });
    expect(fillTopic('x/{n}', { n: 3 })).toEqual({ ok: true, topic: 'x/3' });
    expect(fillTopic('x/{missing}', {})).toMatchObject({ ok: false });
  });
});

describe('encodeSerialCommand', () => {
  it('writes one JSON line', () => {
    expect(
      encodeSerialCommand({
        command_id: 'c1',
        device_id: 'gw-1',
        command: 'set_actuator',
        args: { fan: true },
        issued_at: '2026-02-17T12:00:00.000Z',
      }),
    ).toBe(
      '{"command_id":"c1","device_id":"gw-1","command":"set_actuator","args":{"fan":true},"issued_at":"2026-02-17T12:00:00.000Z"}\n',
    );
  });
});
