import { describe, expect, it } from 'vitest';
import { jsonErrorReason, redactSecrets } from './redact';
import { payloadPreview } from './payload';

const S = 'hunter2-S3CRET';
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
const hex = (s: string) =>
  [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, '0')).join('');

describe('redactSecrets', () => {
  it.each([
    [`{"api_key":"${S}","events":[]}`, '{"api_key":"***","events":[]}'],
    [`{"api_key" : "${S}"}`, '{"api_key" : "***"}'],
    [`{"MQTT_PASSWORD": 12345, "x": 1}`, '{"MQTT_PASSWORD": ***, "x": 1}'],
    [`{'token': '${S}'}`, "{'token': '***'}"],
    [`api_key=${S}&events=1`, 'api_key=***&events=1'],
    [`GET /v1/export/raw?limit=5&api_key=${S}`, 'GET /v1/export/raw?limit=5&api_key=***'],
    [`password: ${S}\nuser: bob`, 'password: ***\nuser: bob'],
    [`Authorization: Bearer ${S}`, 'Authorization: ***'],
    [`mqtts://ops:${S}@venue.local:8883`, 'mqtts://ops:***@venue.local:8883'],
    [`{"access_token":"${S}","refresh_token":"${S}"}`, '{"access_token":"***","refresh_token":"***"}'],
    [`{"client_secret":"a\\"b${S}"}`, '{"client_secret":"***"}'],
    // Cut off mid-value, as a preview may be.
    [`{"api_key":"${S}`, '{"api_key":"***"'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves keys that merely contain a secret word, and ordinary text, alone', () => {
    for (const text of [
      '{"token_count": 5, "tokens": [1, 2]}',
      '{"event_id":"3f2b","payload":{"correct":1}}',
      'temperature=21.5&battery=88',
      'the password field is empty',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('stays linear on long runs of id characters', () => {
    const long = 'a'.repeat(200_000);
    expect(redactSecrets(long)).toBe(long);
  });
});

describe('jsonErrorReason', () => {
  it('never quotes the input V8 complains about', () => {
    for (const text of [`api_key=${S}`, `{"a":1, "api_key": ${S}${S}${S}}`, `password=${S}x`.repeat(4)]) {
      let err: unknown;
      try {
        JSON.parse(text);
      } catch (e) {
        err = e;
      }
      const reason = jsonErrorReason(err);
      expect(reason).not.toContain(S);
      expect(reason.length).toBeGreaterThan(0);
    }
  });
});

describe('payloadPreview', () => {
  it('redacts text previews, and shows a non-UTF-8 payload holding a secret as redacted text, not hex', () => {
    expect(payloadPreview(bytes(`api_key=${S}&x=1`))).toBe('api_key=***&x=1');
    const binary = bytes(`password=${S} `, [0xff, 0xfe]);
    const preview = payloadPreview(binary);
    expect(preview).not.toContain(S);
    expect(preview).not.toContain(hex(S));
    expect(payloadPreview(bytes([0xff, 0x00, 0x01]))).toBe('0xff0001');
  });
});
