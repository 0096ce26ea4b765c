/**
 * The BLE bridge: keeps a link to every enabled device, through whichever GattTransport is in
 * use (BlueZ over D-Bus, Electron's Web Bluetooth, or the fake in tests), with a driver per
 * device turning its notifications into the family's own messages. Links that drop are
 * reconnected with backoff; one link per device (the AMG lets only one client hold it).
 */
import {
  DriverCommandError,
  type BleDriver,
  type BridgeMessage,
  type Clock,
  type CommandResult,
  type DriverRegistry,
  type DriverSession,
} from '../../../src-shared/bridges/driver';
import {
  GattError,
  type BleAdvertisement,
  type GattConnection,
  type GattTransport,
} from '../../../src-shared/bridges/gatt';
import { toIso } from '../../../src-shared/events/time';
import type {
  BleDeviceRow,
  BleDiscoveredRow,
  BleLinkState,
  BridgeDriverRow,
} from '../../../src-shared/contract/bridges';
import type { BleDeviceConfig } from '../config';

export interface TransportChoice {
  transport: GattTransport | null;
  /** Why there is none (or why it is not usable). */
  reason: string | null;
}

export interface BleBridgeOptions {
  drivers: DriverRegistry;
  clock: Clock;
  /** Picks the transport (called lazily: nothing touches D-Bus until BLE is wanted). */
  resolveTransport: () => Promise<TransportChoice>;
  /** Where drivers' messages go (the sink adds the topic prefix and the client id). */
  emit: (message: BridgeMessage, address: string) => void;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Battery and status refresh while connected (status must beat the registry's silence timeout). */
  pollMs?: number;
  connectTimeoutMs?: number;
  /** How long an unavailable transport is left alone before it is asked again. */
  unavailableRetryMs?: number;
  onChange?: () => void;
}

function withTimeout<T>(clock: Clock, p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new GattError('timeout', `${what} timed out after ${ms} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

class BleLink {
  state: BleLinkState = 'disabled';
  error: string | null = null;
  attempts = 0;
  nextRetryAt: number | null = null;
  connectedAt: number | null = null;
  failingSince: number | null = null;
  rssi: number | null = null;
  private session: DriverSession | null = null;
  private conn: GattConnection | null = null;
  private timer: unknown = null;
  private pollTimer: unknown = null;
  private gen = 0;
  /** Info of the last session, kept after it ends so the view still shows battery and counts. */
  private lastInfo: ReturnType<DriverSession['info']> | null = null;

  constructor(
    public cfg: BleDeviceConfig,
    public driver: BleDriver,
    private readonly bridge: BleBridge,
  ) {}

  private get clock(): Clock {
    return this.bridge.opts.clock;
  }

  private set(state: BleLinkState, error: string | null = null): void {
    this.state = state;
    this.error = error;
    this.bridge.opts.onChange();
  }

  start(): void {
    this.stop('reconfigured');
    if (!this.cfg.enabled) return;
    this.attempts = 0;
    this.failingSince = this.clock.now();
    void this.connect();
  }

  /** Closes the link (disabled, removed, reconfigured, shutting down). */
  stop(reason: string): void {
    this.gen++;
    this.clearTimers();
    this.endSession(reason);
    const conn = this.conn;
    this.conn = null;
    if (conn) void conn.disconnect().catch(() => undefined);
    this.connectedAt = null;
    this.nextRetryAt = null;
    this.failingSince = null;
    this.set('disabled');
  }

  private clearTimers(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.pollTimer !== null) this.clock.clearTimeout(this.pollTimer);
    this.timer = null;
    this.pollTimer = null;
  }

  private endSession(reason: string): void {
    const s = this.session;
    this.session = null;
    if (s) {
      this.lastInfo = s.info();
      s.stop(reason);
    }
  }

  /** Connects now (a retry that was waiting, or a grant that just arrived). */
  kick(): void {
    if (!this.cfg.enabled || this.state === 'connected' || this.state === 'connecting') return;
    this.gen++;
    this.clearTimers();
    void this.connect();
  }

  private async connect(): Promise<void> {
    const gen = ++this.gen;
    this.nextRetryAt = null;
    this.set('connecting', this.error);
    const choice = await this.bridge.transport();
    if (gen !== this.gen) return;
    if (!choice.transport) {
      this.wait('unavailable', choice.reason ?? 'no BLE transport', this.bridge.opts.unavailableRetryMs);
      return;
    }
    let conn: GattConnection;
    try {
      conn = await withTimeout(
        this.clock,
        choice.transport.connect(this.cfg.address, { services: this.driver.services }),
        this.bridge.opts.connectTimeoutMs,
        'connect',
      );
    } catch (err) {
      if (gen !== this.gen) return;
      if (err instanceof GattError && err.code === 'unavailable') {
        this.wait('unavailable', err.message, this.bridge.opts.unavailableRetryMs);
        return;
      }
      if (err instanceof GattError && err.code === 'needs-permission') {
        // Only the operator can grant it (a click in the Bridges view); retried when granted.
        this.wait('needs-permission', err.message, this.bridge.opts.unavailableRetryMs);
        return;
      }
      this.retry((err as Error).message);
      return;
    }
    if (gen !== this.gen) {
      void conn.disconnect().catch(() => undefined);
      return;
    }
    this.conn = conn;
    const session = this.driver.create({
      deviceId: this.cfg.device_id,
      address: this.cfg.address,
      rssi: this.rssi,
      host: {
        clock: this.clock,
        emit: (m) => this.bridge.opts.emit(m, this.cfg.address),
      },
    });
    this.session = session;
    conn.onDisconnect((reason) => {
      if (gen !== this.gen || this.conn !== conn) return;
      this.conn = null;
      this.connectedAt = null;
      this.endSession(reason);
      this.retry(reason);
    });
    try {
      await session.start(conn);
    } catch (err) {
      if (gen !== this.gen) return;
      this.conn = null;
      this.endSession(`start failed: ${(err as Error).message}`);
      void conn.disconnect().catch(() => undefined);
      this.retry(`driver start failed: ${(err as Error).message}`);
      return;
    }
    if (gen !== this.gen) return;
    this.attempts = 0;
    this.failingSince = null;
    this.connectedAt = this.clock.now();
    this.set('connected');
    this.schedulePoll(gen);
  }

  private schedulePoll(gen: number): void {
    this.pollTimer = this.clock.setTimeout(() => {
      if (gen !== this.gen || !this.session) return;
      void this.session
        .poll()
        .catch(() => undefined)
        .finally(() => {
          if (gen === this.gen && this.session) this.schedulePoll(gen);
        });
    }, this.bridge.opts.pollMs);
  }

  private wait(state: BleLinkState, reason: string, ms: number): void {
    const gen = ++this.gen;
    this.failingSince ??= this.clock.now();
    this.nextRetryAt = this.clock.now() + ms;
    this.set(state, reason);
    this.timer = this.clock.setTimeout(() => {
      if (gen === this.gen) void this.connect();
    }, ms);
  }

  private retry(reason: string): void {
    this.attempts++;
    const { reconnectBaseMs, reconnectMaxMs } = this.bridge.opts;
    const delay = Math.min(reconnectBaseMs * 2 ** Math.min(this.attempts - 1, 16), reconnectMaxMs);
    this.wait('reconnecting', reason, delay);
  }

  isConnected(): boolean {
    return this.state === 'connected' && this.session !== null;
  }

  async command(name: string, args: Record<string, unknown>): Promise<CommandResult> {
    const session = this.session;
    if (!session || this.state !== 'connected') {
      throw new DriverCommandError(
        'not_connected',
        `${this.cfg.device_id} is not connected (${this.error ?? this.state})`,
      );
    }
    return session.command(name, args);
  }

  row(): BleDeviceRow {
    const info = this.session?.info() ?? this.lastInfo;
    return {
      address: this.cfg.address,
      name: this.cfg.name,
      driver: this.driver.id,
      driver_label: this.driver.label,
      role: this.driver.role,
      device_id: this.cfg.device_id,
      enabled: this.cfg.enabled,
      state: this.state,
      error: this.error,
      attempts: this.attempts,
      next_retry_at: this.nextRetryAt !== null ? toIso(this.nextRetryAt) : null,
      connected_at: this.connectedAt !== null ? toIso(this.connectedAt) : null,
      battery: info?.battery ?? null,
      rssi: this.rssi,
      notifications: info?.notifications ?? 0,
      bad_frames: info?.bad_frames ?? 0,
      last_notification_at:
        info?.last_notification_at !== null && info?.last_notification_at !== undefined
          ? toIso(info.last_notification_at)
          : null,
      extra: info?.extra ?? {},
      commands: this.driver.commands,
    };
  }
}

export class BleBridge {
  readonly opts: Required<BleBridgeOptions>;
  private links = new Map<string, BleLink>();
  private discovered = new Map<string, BleDiscoveredRow & { at: number }>();
  private scanStop: (() => Promise<void>) | null = null;
  private scanUntil: number | null = null;
  private scanTimer: unknown = null;
  private choice: (TransportChoice & { at: number }) | null = null;
  private choosing: Promise<TransportChoice> | null = null;

  constructor(options: BleBridgeOptions) {
    this.opts = {
      reconnectBaseMs: 1000,
      reconnectMaxMs: 30_000,
      pollMs: 30_000,
      connectTimeoutMs: 30_000,
      unavailableRetryMs: 15_000,
      onChange: () => undefined,
      ...options,
    };
  }

  /** The transport in use, asked again after a while when there was none. */
  async transport(): Promise<TransportChoice> {
    const now = this.opts.clock.now();
    if (this.choice && (this.choice.transport || now - this.choice.at < this.opts.unavailableRetryMs)) {
      return this.choice;
    }
    this.choosing ??= this.opts
      .resolveTransport()
      .catch((err: unknown) => ({ transport: null, reason: (err as Error).message }))
      .then((c) => {
        this.choice = { ...c, at: this.opts.clock.now() };
        this.choosing = null;
        this.opts.onChange();
        return c;
      });
    return this.choosing;
  }

  /** Forgets the chosen transport (settings changed, or an agent came or went). */
  async resetTransport(): Promise<void> {
    const old = this.choice?.transport;
    this.choice = null;
    for (const l of this.links.values()) if (l.cfg.enabled) l.stop('transport changed');
    await this.stopScan();
    await old?.close?.().catch(() => undefined);
    for (const l of this.links.values()) if (l.cfg.enabled) l.start();
  }

  /**
   * Something about the transports changed (a Web Bluetooth agent came or went): ask again,
   * unless a transport of the main process's own (BlueZ) is in use, and retry waiting links.
   */
  refreshTransport(): void {
    const current = this.choice?.transport;
    if (current && current.name !== 'web-bluetooth') return;
    if (!current) this.choice = null;
    for (const l of this.links.values())
      if (l.state === 'unavailable' || l.state === 'needs-permission') l.kick();
  }

  transportState(): { transport: string | null; available: boolean; reason: string | null } {
    const c = this.choice;
    return { transport: c?.transport?.name ?? null, available: !!c?.transport, reason: c?.reason ?? null };
  }

  configure(cfg: BleDeviceConfig): BleDeviceRow {
    const driver = this.opts.drivers.get(cfg.driver);
    if (!driver) throw new Error(`unknown BLE driver ${cfg.driver}`);
    const old = this.links.get(cfg.address);
    if (
      old &&
      old.driver === driver &&
      old.cfg.device_id === cfg.device_id &&
      old.cfg.enabled === cfg.enabled
    ) {
      old.cfg = cfg;
      return old.row();
    }
    old?.stop('reconfigured');
    const link = new BleLink(cfg, driver, this);
    const seen = this.discovered.get(cfg.address);
    if (seen) link.rssi = seen.rssi;
    this.links.set(cfg.address, link);
    link.start();
    return link.row();
  }

  remove(address: string): void {
    this.links.get(address)?.stop('removed');
    this.links.delete(address);
    this.opts.onChange();
  }

  /** A device just became reachable (a Web Bluetooth grant): connect without waiting. */
  kick(address: string): void {
    this.links.get(address)?.kick();
  }

  row(address: string): BleDeviceRow | null {
    return this.links.get(address)?.row() ?? null;
  }

  rows(): BleDeviceRow[] {
    return [...this.links.values()].map((l) => l.row());
  }

  discoveredRows(): BleDiscoveredRow[] {
    return [...this.discovered.values()]
      .sort((a, b) => b.at - a.at)
      .map(({ at: _at, ...row }) => ({ ...row, configured: this.links.has(row.address) }));
  }

  drivers(): BridgeDriverRow[] {
    return this.opts.drivers
      .list()
      .map((d) => ({ id: d.id, label: d.label, role: d.role, commands: d.commands }));
  }

  scanning(): { scanning: boolean; until: string | null } {
    return {
      scanning: this.scanStop !== null,
      until: this.scanUntil !== null ? toIso(this.scanUntil) : null,
    };
  }

  /** Records an advertisement (from a scan, or a device the operator picked in a chooser). */
  seen(adv: BleAdvertisement): void {
    const driver = this.opts.drivers.match(adv);
    const prev = this.discovered.get(adv.address);
    const row = {
      address: adv.address,
      name: adv.name ?? prev?.name ?? null,
      rssi: adv.rssi ?? prev?.rssi ?? null,
      driver: driver?.id ?? prev?.driver ?? null,
      configured: this.links.has(adv.address),
      seen_at: toIso(this.opts.clock.now()),
      at: this.opts.clock.now(),
    };
    this.discovered.set(adv.address, row);
    while (this.discovered.size > 200) this.discovered.delete(this.discovered.keys().next().value as string);
    const link = this.links.get(adv.address);
    if (link && row.rssi !== null) link.rssi = row.rssi;
  }

  async scan(seconds: number): Promise<{ scanning: boolean; until: string | null }> {
    const choice = await this.transport();
    if (!choice.transport) throw new GattError('unavailable', choice.reason ?? 'no BLE transport');
    await this.stopScan();
    const stop = await choice.transport.startScan((adv) => {
      this.seen(adv);
      this.opts.onChange();
    });
    this.scanStop = stop;
    this.scanUntil = this.opts.clock.now() + seconds * 1000;
    this.scanTimer = this.opts.clock.setTimeout(() => void this.stopScan(), seconds * 1000);
    this.opts.onChange();
    return this.scanning();
  }

  async stopScan(): Promise<void> {
    if (this.scanTimer !== null) this.opts.clock.clearTimeout(this.scanTimer);
    this.scanTimer = null;
    const stop = this.scanStop;
    this.scanStop = null;
    this.scanUntil = null;
    if (stop) await stop().catch(() => undefined);
    this.opts.onChange();
  }

  private linkFor(deviceId: string): BleLink | null {
    for (const l of this.links.values()) if (l.cfg.device_id === deviceId && l.cfg.enabled) return l;
    return null;
  }

  serves(deviceId: string): boolean {
    return this.linkFor(deviceId) !== null;
  }

  canSend(deviceId: string): boolean {
    return this.linkFor(deviceId)?.isConnected() ?? false;
  }

  async command(deviceId: string, name: string, args: Record<string, unknown>): Promise<CommandResult> {
    const link = this.linkFor(deviceId);
    if (!link) throw new DriverCommandError('not_connected', `no BLE device ${deviceId}`);
    return link.command(name, args);
  }

  health(graceMs: number): { configured: number; failing: string[] } {
    const now = this.opts.clock.now();
    const enabled = [...this.links.values()].filter((l) => l.cfg.enabled);
    return {
      configured: enabled.length,
      failing: enabled
        .filter((l) => l.state !== 'connected' && l.failingSince !== null && now - l.failingSince >= graceMs)
        .map((l) => `ble ${l.cfg.device_id}: ${l.error ?? l.state}`),
    };
  }

  async stop(): Promise<void> {
    await this.stopScan();
    for (const l of this.links.values()) l.stop('shutting down');
    await this.choice?.transport?.close?.().catch(() => undefined);
  }
}
