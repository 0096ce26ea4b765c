/**
 * Serial bridge framing (pure): newline-delimited JSON both ways.
 *
 * In: each line is one JSON object. `{"topic": T, "payload": P}` carries a message for topic T
 * (P an object, or a string sent as is); `{"topic": T, ...fields}` carries the other fields as
 * the payload; a line without `topic` goes to the port's configured default topic, verbatim.
 * A default topic may name fields of the line: `whackamole/{device_id}/session`.
 * Out: commands as one JSON line `{"command_id", "device_id", "command", "args", "issued_at"}`.
 */
import type { RejectCode } from '../ingest/result';
import { isValidDeviceId } from '../ids';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const MAX_TOPIC_LENGTH = 256;

export interface SplitResult {
  lines: Uint8Array[];
  /** Lines that grew past the cap: their first bytes and full length. */
  overflows: { head: Uint8Array; bytes: number }[];
}

/** Splits a byte stream into lines (LF, with an optional CR before it), each capped in length. */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Bytes of the current line dropped past the cap (-1: not overflowing). */
  private dropped = -1;
  private head: Uint8Array | null = null;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): SplitResult {
    const out: SplitResult = { lines: [], overflows: [] };
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== 0x0a) continue;
      this.append(chunk.subarray(start, i));
      this.endLine(out);
      start = i + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
    return out;
  }

  /** Bytes held for an unfinished line. */
  pending(): number {
    return this.size;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.dropped >= 0) {
      this.dropped += bytes.length;
      return;
    }
    if (this.size + bytes.length > this.maxLineBytes) {
      const joined = this.join();
      const head = new Uint8Array(Math.min(256, joined.length + bytes.length));
      head.set(joined.subarray(0, head.length));
      if (joined.length < head.length)
        head.set(bytes.subarray(0, head.length - joined.length), joined.length);
      this.head = head;
      this.dropped = this.size + bytes.length;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(bytes.slice());
    this.size += bytes.length;
  }

  private join(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private endLine(out: SplitResult): void {
    if (this.dropped >= 0) {
      out.overflows.push({ head: this.head ?? new Uint8Array(0), bytes: this.dropped });
      this.dropped = -1;
      this.head = null;
      return;
    }
    let line = this.join();
    this.parts = [];
    this.size = 0;
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    // Blank lines (keep-alives, CRLF pairs) carry nothing.
    if (line.every((b) => b === 0x20 || b === 0x09 || b === 0x0d)) return;
    out.lines.push(line);
  }
}

export type FrameResult =
  { ok: true; topic: string; payload: Uint8Array } | { ok: false; code: RejectCode; reason: string };

/** An MQTT topic we accept from a serial device: non-empty, no wildcards, no NUL, no `$`. */
export function topicProblem(topic: unknown): string | null {
  if (typeof topic !== 'string' || topic.length === 0) return 'topic must be a non-empty string';
  if (topic.length > MAX_TOPIC_LENGTH) return `topic is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (/[+#]/.test(topic) || topic.includes('\u0000')) return 'topic may not contain wildcards (+, #) or NUL';
  if (topic.startsWith('$')) return 'topic may not start with $';
  return null;
}

const PLACEHOLDER = /\{([A-Za-z0-9_]{1,32})\}/g;

/** Fills `{field}` placeholders from the line's fields (each must be a valid id). */
export function fillTopic(
  template: string,
  fields: Record<string, unknown>,
): { ok: true; topic: string } | { ok: false; reason: string } {
  let problem: string | null = null;
  const topic = template.replace(PLACEHOLDER, (_m, name: string) => {
    const v = fields[name];
    const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : v;
    if (!isValidDeviceId(s)) {
      problem ??= `the default topic needs "${name}", a valid id ([A-Za-z0-9._:-]{1,64}), in the line`;
      return '';
    }
    return s;
  });
  return problem ? { ok: false, reason: problem } : { ok: true, topic };
}

const encoder = new TextEncoder();

/** Maps one serial line to a topic and payload, or says why it cannot be used. */
export function frameFromLine(line: Uint8Array, defaultTopic: string | null): FrameResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(line);
  } catch {
    return { ok: false, code: 'binary', reason: 'serial line is not UTF-8 text' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      code: 'malformed_json',
      reason: `serial line is not JSON: ${(err as Error).message.slice(0, 120)}`,
    };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'not_an_object', reason: 'serial line must be a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  if ('topic' in obj) {
    const problem = topicProblem(obj.topic);
    if (problem) return { ok: false, code: 'schema', reason: `serial line: ${problem}` };
    const topic = obj.topic as string;
    if ('payload' in obj) {
      const p = obj.payload;
      const payload = typeof p === 'string' ? encoder.encode(p) : encoder.encode(JSON.stringify(p));
      return { ok: true, topic, payload };
    }
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (k !== 'topic') rest[k] = v;
    return { ok: true, topic, payload: encoder.encode(JSON.stringify(rest)) };
  }
  if (!defaultTopic) {
    return {
      ok: false,
      code: 'schema',
      reason: 'serial line has no "topic" and the port has no default topic',
    };
  }
  const filled = fillTopic(defaultTopic, obj);
  if (!filled.ok) return { ok: false, code: 'invalid_id', reason: `serial line: ${filled.reason}` };
  const problem = topicProblem(filled.topic);
  if (problem) return { ok: false, code: 'schema', reason: `default topic: ${problem}` };
  // Verbatim: exactly the bytes the device sent (minus the line ending).
  return { ok: true, topic: filled.topic, payload: line };
}

export interface SerialCommand {
  command_id: string;
  device_id: string;
  command: string;
  args: Record<string, unknown>;
  issued_at: string;
}

/** One command as a JSON line (newline included). */
export function encodeSerialCommand(cmd: SerialCommand): string {
  return `${JSON.stringify({
    command_id: cmd.command_id,
    device_id: cmd.device_id,
    command: cmd.command,
    args: cmd.args,
    issued_at: cmd.issued_at,
  })}\n`;
}
