/**
 * The serial bridge: one link per configured port (path, baud rate), newline-delimited JSON both
 * ways. A port that is missing or fails is retried with backoff — serialport has no hotplug
 * events on Linux, so the bridge polls the path and reopens it after an unplug and replug.
 */
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { listSerialPorts } from './list-ports';
import {
  LineSplitter,
  encodeSerialCommand,
  frameFromLine,
  type SerialCommand,
} from '../../../src-shared/bridges/serial';
import { toIso } from '../../../src-shared/events/time';
import { parseMessage, type ParseOptions } from '../../../src-shared/ingest';
import type {
  AvailableSerialPort,
  SerialPortRow,
  SerialPortState,
} from '../../../src-shared/contract/bridges';
import type { SerialPortConfig } from '../config';
import type { BridgeSink } from '../sink';

export interface SerialBridgeOptions {
  sink: BridgeSink;
  parse: ParseOptions;
  /** First retry after this long, doubling up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often an open port's path is checked (a vanished device node means unplugged). */
  watchMs?: number;
  /** Called when a port's state changes (the module refreshes health). */
  onChange?: () => void;
}

const MAX_DEVICES_PER_PORT = 256;

class SerialLink {
  state: SerialPortState = 'disabled';
  error: string | null = null;
  attempts = 0;
  nextRetryAt: number | null = null;
  openedAt: number | null = null;
  /** Since when the port has been failing (for health). */
  failingSince: number | null = null;
  linesIn = 0;
  bytesIn = 0;
  rejects = 0;
  commandsOut = 0;
  lastLineAt: number | null = null;
  readonly devices = new Set<string>();
  private port: SerialPort | null = null;
  private splitter: LineSplitter;
  private timer: NodeJS.Timeout | null = null;
  /** Bumped on every (re)start and stop: callbacks of an older generation are ignored. */
  private gen = 0;

  constructor(
    public cfg: SerialPortConfig,
    private readonly opts: Required<Omit<SerialBridgeOptions, 'onChange'>> & { onChange: () => void },
  ) {
    this.splitter = new LineSplitter(cfg.max_line_bytes);
  }

  private get clientId(): string {
    return `bridge:serial:${this.cfg.id}`;
  }

  start(): void {
    this.stop();
    if (!this.cfg.enabled) return;
    this.attempts = 0;
    this.failingSince = Date.now();
    this.open();
  }

  stop(): void {
    this.gen++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextRetryAt = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) port.close(() => undefined);
    this.state = 'disabled';
    this.openedAt = null;
    this.failingSince = null;
    this.error = null;
  }

  private setState(state: SerialPortState, error: string | null = this.error): void {
    this.state = state;
    this.error = error;
    this.opts.onChange();
  }

  private open(): void {
    const gen = this.gen;
    this.timer = null;
    this.nextRetryAt = null;
    if (!existsSync(this.cfg.path)) {
      this.retry(`${this.cfg.path} is not there (unplugged?)`);
      return;
    }
    this.setState('connecting');
    let port: SerialPort;
    try {
      port = new SerialPort({ path: this.cfg.path, baudRate: this.cfg.baud_rate, autoOpen: false });
    } catch (err) {
      this.retry((err as Error).message);
      return;
    }
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      if (gen === this.gen) this.onData(chunk);
    });
    port.on('error', (err: Error) => {
      if (gen === this.gen) this.error = err.message;
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (gen !== this.gen || this.port !== port) return;
      this.port = null;
      this.openedAt = null;
      this.retry(err?.disconnected ? 'device disconnected' : `port closed${err ? `: ${err.message}` : ''}`);
    });
    port.open((err) => {
      if (gen !== this.gen) {
        if (!err) port.close(() => undefined);
        return;
      }
      if (err) {
        this.port = null;
        this.retry(err.message);
        return;
      }
      this.attempts = 0;
      this.failingSince = null;
      this.openedAt = Date.now();
      this.splitter = new LineSplitter(this.cfg.max_line_bytes);
      this.setState('open', null);
    });
  }

  private retry(reason: string): void {
    this.gen++;
    const gen = this.gen;
    this.attempts++;
    this.failingSince ??= Date.now();
    const delay = Math.min(
      this.opts.retryBaseMs * 2 ** Math.min(this.attempts - 1, 16),
      this.opts.retryMaxMs,
    );
    this.nextRetryAt = Date.now() + delay;
    this.setState('waiting', reason);
    this.timer = setTimeout(() => {
      if (gen === this.gen) this.open();
    }, delay);
    this.timer.unref();
  }

  /** Called by the bridge's watch timer: an open port whose device node vanished is unplugged. */
  watch(): void {
    if (this.state === 'open' && !existsSync(this.cfg.path)) {
      const port = this.port;
      this.port = null;
      this.openedAt = null;
      if (port?.isOpen) port.close(() => undefined);
      this.retry('device disconnected (path vanished)');
    }
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const at = Date.now();
    const { lines, overflows } = this.splitter.push(chunk);
    for (const o of overflows) {
      this.rejects++;
      this.opts.sink.reject(
        `serial/${this.cfg.id}`,
        o.head,
        'too_large',
        `serial line of ${o.bytes} bytes exceeds the ${this.cfg.max_line_bytes}-byte limit`,
        at,
      );
    }
    for (const line of lines) {
      this.linesIn++;
      this.lastLineAt = at;
      const frame = frameFromLine(line, this.cfg.default_topic);
      if (!frame.ok) {
        this.rejects++;
        this.opts.sink.reject(`serial/${this.cfg.id}`, line, frame.code, frame.reason, at);
        continue;
      }
      // Learn which devices talk on this port (commands for them go out here).
      const parsed = parseMessage(frame.topic, frame.payload, at, this.opts.parse);
      if (parsed.outcome === 'events' && this.devices.size < MAX_DEVICES_PER_PORT) {
        for (const e of parsed.events) this.devices.add(e.device_id);
        for (const s of parsed.samples) this.devices.add(s.sensor_id);
      } else if (parsed.outcome === 'reject') this.rejects++;
      this.opts.sink.ingest(frame.topic, frame.payload, { clientId: this.clientId, receivedAt: at });
    }
  }

  serves(deviceId: string): boolean {
    return this.cfg.enabled && (this.cfg.device_id === deviceId || this.devices.has(deviceId));
  }

  write(line: string): Promise<void> {
    const port = this.port;
    if (this.state !== 'open' || !port) {
      return Promise.reject(
        new Error(`serial port ${this.cfg.id} is not open (${this.error ?? this.state})`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      port.write(line, (err) => {
        if (err) return reject(err);
        port.drain((e) => (e ? reject(e) : resolve()));
      });
    }).then(() => {
      this.commandsOut++;
    });
  }

  row(): SerialPortRow {
    return {
      ...this.cfg,
      state: this.state,
      error: this.error,
      attempts: this.attempts,
      next_retry_at: this.nextRetryAt !== null ? toIso(this.nextRetryAt) : null,
      opened_at: this.openedAt !== null ? toIso(this.openedAt) : null,
      lines_in: this.linesIn,
      bytes_in: this.bytesIn,
      rejects: this.rejects,
      commands_out: this.commandsOut,
      last_line_at: this.lastLineAt !== null ? toIso(this.lastLineAt) : null,
      devices: [...this.devices].sort(),
    };
  }
}

export class SerialBridge {
  private links = new Map<string, SerialLink>();
  private watcher: NodeJS.Timeout | null = null;
  private readonly opts: Required<Omit<SerialBridgeOptions, 'onChange'>> & { onChange: () => void };

  constructor(options: SerialBridgeOptions) {
    this.opts = {
      retryBaseMs: 250,
      retryMaxMs: 5000,
      watchMs: 1000,
      ...options,
      onChange: options.onChange ?? (() => undefined),
    };
  }

  start(configs: SerialPortConfig[]): void {
    for (const c of configs) this.configure(c);
    this.watcher = setInterval(() => {
      for (const l of this.links.values()) l.watch();
    }, this.opts.watchMs);
    this.watcher.unref();
  }

  /** Adds or replaces a port's configuration and (re)opens it when enabled. */
  configure(cfg: SerialPortConfig): SerialPortRow {
    let link = this.links.get(cfg.id);
    const same =
      link &&
      link.cfg.path === cfg.path &&
      link.cfg.baud_rate === cfg.baud_rate &&
      link.cfg.enabled === cfg.enabled &&
      link.cfg.max_line_bytes === cfg.max_line_bytes;
    if (link && same) {
      // Topic mapping and device id apply to the next line; the port stays open.
      link.cfg = cfg;
      return link.row();
    }
    link?.stop();
    link = new SerialLink(cfg, this.opts);
    this.links.set(cfg.id, link);
    link.start();
    return link.row();
  }

  remove(id: string): void {
    this.links.get(id)?.stop();
    this.links.delete(id);
    this.opts.onChange();
  }

  rows(): SerialPortRow[] {
    return [...this.links.values()].map((l) => l.row());
  }

  row(id: string): SerialPortRow | null {
    return this.links.get(id)?.row() ?? null;
  }

  /** Enabled ports and those failing for longer than `graceMs`. */
  health(graceMs: number, now = Date.now()): { configured: number; failing: string[] } {
    const enabled = [...this.links.values()].filter((l) => l.cfg.enabled);
    return {
      configured: enabled.length,
      failing: enabled
        .filter((l) => l.state !== 'open' && l.failingSince !== null && now - l.failingSince >= graceMs)
        .map((l) => `serial ${l.cfg.id}: ${l.error ?? l.state}`),
    };
  }

  private linkFor(deviceId: string): SerialLink | null {
    let fallback: SerialLink | null = null;
    for (const l of this.links.values()) {
      if (!l.serves(deviceId)) continue;
      if (l.state === 'open') return l;
      fallback ??= l;
    }
    return fallback;
  }

  /** True when a serial port that serves this device is open now. */
  canSend(deviceId: string): boolean {
    return this.linkFor(deviceId)?.state === 'open';
  }

  serves(deviceId: string): boolean {
    return this.linkFor(deviceId) !== null;
  }

  async send(cmd: SerialCommand): Promise<string> {
    const link = this.linkFor(cmd.device_id);
    if (!link) throw new Error(`no serial port serves device ${cmd.device_id}`);
    const line = encodeSerialCommand(cmd);
    await link.write(line);
    return line.trimEnd();
  }

  async available(): Promise<AvailableSerialPort[]> {
    const configured = new Set([...this.links.values()].map((l) => l.cfg.path));
    const list = await listSerialPorts();
    return list.map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer ?? null,
      serial_number: p.serialNumber ?? null,
      vendor_id: p.vendorId ?? null,
      product_id: p.productId ?? null,
      configured: configured.has(p.path),
    }));
  }

  stop(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
    for (const l of this.links.values()) l.stop();
  }
}
