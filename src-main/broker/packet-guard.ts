import type { Client } from 'aedes';
import type { Socket } from 'node:net';
import type { RejectCode } from '../../src-shared/ingest';

/**
 * Per-connection guards around aedes, which has no packet size limit and lets one subscriber's
 * full socket hold every publish: installed on each aedes Client right after `aedes.handle()`.
 *
 * - Oversized packets are never buffered: mqtt-packet's parser learns a packet's length from its
 *   fixed header, and from there an oversized PUBLISH is read and thrown away chunk by chunk,
 *   keeping only its topic, message id and a short preview. Any other oversized packet closes the
 *   connection.
 * - A PUBLISH the broker cannot or will not route (over the size cap, or more topic levels than
 *   aedes' router takes) never reaches aedes: it is handed to `refuse`, which keeps it as a reject
 *   and calls back once that is committed, and only then is it acknowledged. Nothing of it is
 *   retained or delivered.
 * - Deliveries to a subscriber release aedes' fan-out at once instead of when that subscriber's
 *   socket drains; a subscriber whose unsent bytes pass `maxOutgoingBytes` is disconnected.
 */

export interface GuardOptions {
  /** Largest packet (remaining length) read into memory. */
  maxPacketBytes: number;
  /** Largest PUBLISH payload routed. */
  maxPayloadBytes: number;
  /** Most topic levels aedes' router takes. */
  maxTopicLevels: number;
  /** Unsent bytes a subscriber may have queued before it is disconnected. */
  maxOutgoingBytes: number;
}

export interface RefusedPublish {
  topic: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  /** The start of the payload (all of it when it was small enough to read). */
  preview: Buffer;
  /** Payload bytes on the wire. */
  size: number;
  code: RejectCode;
  reason: string;
}

export interface GuardHooks {
  /** May this connected client publish on `topic`? (The ACL; false closes the connection.) */
  mayPublish(client: Client, topic: string): boolean;
  /** Keeps the refusal (a reject row); `done` acknowledges the PUBLISH. */
  refuse(client: Client, publish: RefusedPublish, done: (err?: Error) => void): void;
  /** A subscriber was disconnected for not reading. */
  slowSubscriber(client: Client, queuedBytes: number): void;
  /** A subscription filter aedes cannot take (it is answered 0x80 in the SUBACK). */
  refuseFilter(client: Client, filter: string, reason: string): void;
}

/**
 * Stands in for a filter that aedes' router cannot take, so aedes answers that one subscription
 * with 0x80 (`authorizeSubscribe` refuses it) instead of closing the connection.
 */
export const REFUSED_FILTER = '$marshal/refused';

const PREVIEW_BYTES = 4096;

interface MqttPacketLike {
  cmd: string;
  length: number;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  topic?: string;
  messageId?: number;
  subscriptions?: { topic: string; qos: number }[];
  payload?: Buffer | string;
  /** Set on a PUBLISH read past the cap: its size on the wire. */
  oversize?: number;
}

interface ParserLike {
  packet: MqttPacketLike;
  _list: { length: number; slice(start?: number, end?: number): Buffer; consume(n: number): void };
  _parseLength(): boolean;
  _parsePayload(): boolean;
  _emitError(err: Error): void;
  listeners(event: 'packet'): ((this: unknown, packet: MqttPacketLike) => void)[];
  removeAllListeners(event: 'packet'): void;
  on(event: 'packet', fn: (this: unknown, packet: MqttPacketLike) => void): void;
}

interface ClientInternals {
  _parser: ParserLike;
  connackSent: boolean;
  closed: boolean;
  conn: Socket;
  _keepaliveTimer: NodeJS.Timeout | null;
  deliver0: (packet: unknown, cb: () => void) => void;
  deliverQoS: (packet: unknown, cb: () => void) => void;
}

function levels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

export function installGuard(client: Client, opts: GuardOptions, hooks: GuardHooks): void {
  const c = client as unknown as ClientInternals;
  const parser = c._parser;
  const conn = c.conn;

  // --- never buffer an oversized packet --------------------------------------------------------
  let discard: {
    remaining: number;
    size: number;
    head: Buffer[];
    headLen: number;
    qos: number;
    retain: boolean;
    dup: boolean;
  } | null = null;
  const parseLength = parser._parseLength.bind(parser);
  const parsePayload = parser._parsePayload.bind(parser);
  parser._parseLength = function guardedLength() {
    const ok = parseLength();
    if (!ok || parser.packet.length <= opts.maxPacketBytes) return ok;
    const p = parser.packet;
    if (p.cmd !== 'publish') {
      parser._emitError(
        new Error(
          `${p.cmd} packet of ${p.length} bytes exceeds the broker's ${opts.maxPacketBytes}-byte cap`,
        ),
      );
      return false;
    }
    discard = {
      remaining: p.length,
      size: p.length,
      head: [],
      headLen: 0,
      qos: p.qos ?? 0,
      retain: p.retain ?? false,
      dup: p.dup ?? false,
    };
    return true;
  };
  parser._parsePayload = function guardedPayload() {
    const d = discard;
    if (!d) return parsePayload();
    const list = parser._list;
    const n = Math.min(d.remaining, list.length);
    // Topic (2 + up to 65,535 bytes), message id and a preview: bounded whatever the packet's size.
    const keep = Math.min(n, 2 + 65_535 + 2 + PREVIEW_BYTES - d.headLen);
    if (keep > 0) {
      d.head.push(Buffer.from(list.slice(0, keep)));
      d.headLen += keep;
    }
    list.consume(n);
    d.remaining -= n;
    if (d.remaining > 0) return false;
    discard = null;
    const head = Buffer.concat(d.head);
    const topicLen = head.length >= 2 ? head.readUInt16BE(0) : 0;
    let pos = 2 + topicLen;
    const topic = head.subarray(2, Math.min(pos, head.length)).toString('utf8');
    let messageId: number | undefined;
    if (d.qos > 0 && head.length >= pos + 2) {
      messageId = head.readUInt16BE(pos);
      pos += 2;
    }
    const p = parser.packet;
    p.topic = topic;
    p.messageId = messageId;
    p.payload = head.subarray(pos, pos + PREVIEW_BYTES);
    p.oversize = d.size - pos;
    // Everything was consumed here; _newPacket must consume nothing more.
    p.length = 0;
    return true;
  };

  // --- refuse what must not be routed, before aedes sees it ----------------------------------
  const downstream = parser.listeners('packet');
  parser.removeAllListeners('packet');
  parser.on('packet', function guardedPacket(this: unknown, packet: MqttPacketLike) {
    if (packet.cmd === 'publish' && typeof packet.topic === 'string') {
      const refusal = check(packet);
      if (refusal) return refuse(packet, refusal);
    }
    if (packet.cmd === 'subscribe' && c.connackSent && Array.isArray(packet.subscriptions)) {
      for (const sub of packet.subscriptions) {
        const n = typeof sub.topic === 'string' ? levels(sub.topic) : 0;
        if (n <= opts.maxTopicLevels) continue;
        hooks.refuseFilter(
          client,
          sub.topic,
          `subscription filter has ${n} levels, more than the broker's ${opts.maxTopicLevels} (refused: 0x80)`,
        );
        sub.topic = REFUSED_FILTER;
      }
    }
    for (const l of downstream) l.call(this, packet);
  });

  const check = (p: MqttPacketLike): { code: RejectCode; reason: string } | null => {
    const size =
      p.oversize ?? (Buffer.isBuffer(p.payload) ? p.payload.length : Buffer.byteLength(p.payload ?? ''));
    if (size > opts.maxPayloadBytes) {
      return {
        code: 'too_large',
        reason: `payload of ${size} bytes exceeds the ${opts.maxPayloadBytes}-byte limit (refused by the broker: not routed${p.retain ? ', not retained' : ''})`,
      };
    }
    const n = levels(p.topic!);
    if (n > opts.maxTopicLevels) {
      return {
        code: 'topic_too_deep',
        reason: `topic has ${n} levels, more than the broker's ${opts.maxTopicLevels} (not routed)`,
      };
    }
    return null;
  };

  const refuse = (p: MqttPacketLike, why: { code: RejectCode; reason: string }) => {
    // Before CONNACK nothing may be accepted from this connection; a client that is not allowed
    // this topic is closed, as aedes closes it for any unauthorized PUBLISH.
    if (!c.connackSent || c.closed || !hooks.mayPublish(client, p.topic!)) {
      conn.destroy();
      return;
    }
    c._keepaliveTimer?.refresh();
    const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload ?? '');
    const qos = p.qos ?? 0;
    const messageId = p.messageId;
    hooks.refuse(
      client,
      {
        topic: p.topic!,
        qos,
        retain: p.retain ?? false,
        dup: p.dup ?? false,
        preview: payload.subarray(0, PREVIEW_BYTES),
        size: p.oversize ?? payload.length,
        code: why.code,
        reason: why.reason,
      },
      (err) => {
        if (err) {
          conn.destroy();
          return;
        }
        if (qos === 0 || messageId === undefined || c.closed || conn.destroyed) return;
        // PUBACK (QoS 1) or PUBREC (QoS 2; aedes answers the PUBREL with PUBCOMP).
        const ack = Buffer.from([qos === 1 ? 0x40 : 0x50, 2, messageId >> 8, messageId & 0xff]);
        conn.write(ack);
      },
    );
  };

  // --- a subscriber that does not read costs only itself -------------------------------------
  const bounded = (deliver: (packet: unknown, cb: () => void) => void) =>
    function boundedDeliver(packet: unknown, cb: () => void) {
      const queued = conn.writableLength;
      if (queued > opts.maxOutgoingBytes) {
        if (!conn.destroyed) {
          hooks.slowSubscriber(client, queued);
          conn.destroy(new Error(`subscriber not reading: ${queued} bytes unsent`));
        }
        cb();
        return;
      }
      deliver(packet, noop);
      cb();
    };
  c.deliver0 = bounded(c.deliver0);
  c.deliverQoS = bounded(c.deliverQoS);
}

function noop(): void {}
