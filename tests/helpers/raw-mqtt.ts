/**
 * A bare MQTT 3.1.1 client over a TCP socket, for what mqtt.js will not do on purpose: send a
 * zero-length client id with a persistent session, go silent past its keepalive, hold back a
 * PUBACK, stop reading, or announce a packet larger than it sends at once.
 */
import { connect, type Socket } from 'node:net';
import { DEFAULT_DEADLINE_MS, waitFor } from './serve';

export interface RawPacket {
  type: number;
  flags: number;
  body: Buffer;
}

export interface RawPublish {
  topic: string;
  payload: Buffer;
  qos: number;
  dup: boolean;
  retain: boolean;
  messageId?: number;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
}

export interface ConnectOptions {
  clientId: string;
  clean?: boolean;
  keepalive?: number;
  username?: string;
  password?: string;
  will?: { topic: string; payload: string; qos?: number; retain?: boolean };
}

export function connectPacket(o: ConnectOptions): Buffer {
  let flags = 0;
  if (o.clean ?? true) flags |= 0x02;
  if (o.will) flags |= 0x04 | ((o.will.qos ?? 0) << 3) | (o.will.retain ? 0x20 : 0);
  if (o.password !== undefined) flags |= 0x40;
  if (o.username !== undefined) flags |= 0x80;
  const ka = Buffer.alloc(2);
  ka.writeUInt16BE(o.keepalive ?? 0);
  const parts = [str('MQTT'), Buffer.from([4, flags]), ka, str(o.clientId)];
  if (o.will) parts.push(str(o.will.topic), str(o.will.payload));
  if (o.username !== undefined) parts.push(str(o.username));
  if (o.password !== undefined) parts.push(str(o.password));
  return packet(0x10, Buffer.concat(parts));
}

export function publishHeader(
  topic: string,
  payloadLength: number,
  qos: number,
  messageId = 1,
  retain = false,
) {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  const variable = Buffer.concat([str(topic), qos > 0 ? id : Buffer.alloc(0)]);
  const first = 0x30 | (qos << 1) | (retain ? 1 : 0);
  return Buffer.concat([Buffer.from([first]), varint(variable.length + payloadLength), variable]);
}

/** One raw connection with a packet reader. */
export class RawClient {
  readonly packets: RawPacket[] = [];
  closed = false;
  private buf = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        if (this.buf.length < 2) return;
        let len = 0;
        let mul = 1;
        let i = 1;
        for (; i < this.buf.length; i++) {
          const b = this.buf[i]!;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if (!(b & 0x80)) break;
        }
        if (i >= this.buf.length || this.buf.length < i + 1 + len) return;
        const first = this.buf[0]!;
        this.packets.push({
          type: first >> 4,
          flags: first & 0x0f,
          body: this.buf.subarray(i + 1, i + 1 + len),
        });
        this.buf = this.buf.subarray(i + 1 + len);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect(port, host);
    await new Promise<void>((res, rej) => {
      socket.once('connect', () => res());
      socket.once('error', rej);
    });
    return new RawClient(socket);
  }

  /** Connects and resolves with the CONNACK's return code and session-present flag. */
  static async connect(
    port: number,
    o: ConnectOptions,
  ): Promise<{ client: RawClient; returnCode: number; sessionPresent: boolean }> {
    const client = await RawClient.open(port);
    client.socket.write(connectPacket(o));
    const ack = await client.next((p) => p.type === 2, 'CONNACK');
    return { client, returnCode: ack.body[1]!, sessionPresent: (ack.body[0]! & 1) === 1 };
  }

  private taken = 0;

  /** The next packet (after those already returned) that matches. */
  async next(
    match: (p: RawPacket) => boolean,
    what: string,
    timeoutMs = DEFAULT_DEADLINE_MS,
  ): Promise<RawPacket> {
    return waitFor(
      () => {
        for (let i = this.taken; i < this.packets.length; i++) {
          if (match(this.packets[i]!)) {
            this.taken = i + 1;
            return this.packets[i]!;
          }
        }
        if (this.closed) throw new Error(`connection closed before ${what}`);
        return undefined;
      },
      what,
      { timeoutMs, intervalMs: 10 },
    );
  }

  async subscribe(topic: string, qos: number, messageId = 1): Promise<number> {
    const id = Buffer.alloc(2);
    id.writeUInt16BE(messageId);
    this.socket.write(packet(0x82, Buffer.concat([id, str(topic), Buffer.from([qos])])));
    const ack = await this.next((p) => p.type === 9 && p.body.readUInt16BE(0) === messageId, 'SUBACK');
    return ack.body[2]!;
  }

  async nextPublish(what = 'PUBLISH'): Promise<RawPublish> {
    const p = await this.next((x) => x.type === 3, what);
    return parsePublish(p);
  }

  puback(messageId: number): void {
    this.socket.write(Buffer.from([0x40, 2, messageId >> 8, messageId & 0xff]));
  }

  disconnect(): void {
    this.socket.end(Buffer.from([0xe0, 0]));
  }

  destroy(): void {
    this.socket.destroy();
  }

  waitClosed(what: string, timeoutMs = DEFAULT_DEADLINE_MS): Promise<true> {
    return waitFor(() => this.closed, what, { timeoutMs, intervalMs: 20 });
  }
}

export function parsePublish(p: RawPacket): RawPublish {
  const qos = (p.flags >> 1) & 3;
  const tlen = p.body.readUInt16BE(0);
  const topic = p.body.subarray(2, 2 + tlen).toString('utf8');
  let pos = 2 + tlen;
  let messageId: number | undefined;
  if (qos > 0) {
    messageId = p.body.readUInt16BE(pos);
    pos += 2;
  }
  return {
    topic,
    payload: p.body.subarray(pos),
    qos,
    dup: (p.flags & 8) !== 0,
    retain: (p.flags & 1) !== 0,
    messageId,
  };
}
