/**
 * Whack-a-mole cabinets (domain.md §6): a hello is answered with the device's config, and the
 * operator's commands go out with acknowledgement tracking. Both prefer the services of the
 * commands/config capability (`ctx.use('config')`, `ctx.use('commands')`) and fall back to
 * publishing themselves when it is absent, so a cabinet always gets its config.
 */
import { randomBytes } from 'node:crypto';
import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import {
  WHACKAMOLE_FAMILY,
  DEFAULT_WHACKAMOLE_CONFIG,
  mergeConfig,
  whackamoleTopic,
} from '../../src-shared/ingest/whackamole';
import { RejectError } from '../../src-shared/ingest';
import { ContractError } from '../../src-shared/contract';
import type { CabinetRow, CommandSent } from '../../src-shared/contract/games';
import type { ModuleContext } from '../core/module';
import { headCommandByte, seedConfigMessage, whacTopic } from '../../src-shared/ingest/whac';
import type { GameSessions } from './sessions';
import { HeadSessions } from './whac-head';

/** Where the console records the sessions it assembled from HEAD cabinets' streams. */
export const HEAD_SESSIONS_TOPIC = 'console/whac-sessions';

export class Cabinets {
  /** Configs sent in answer to a hello (by the config service or by this module). */
  configsSent = 0;
  lastError: string | null = null;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly sessions: GameSessions,
  ) {}

  private readonly head = new HeadSessions();
  /** Configs sent in answer to a SEED `config_request`. */
  seedConfigsSent = 0;

  /** Answers every cabinet that said hello in a committed batch (once per cabinet per batch). */
  onEvents(events: readonly MarshalEvent[]): void {
    const hello = new Set<string>();
    const seed = new Set<string>();
    for (const e of events) {
      if (e.kind !== 'device.hello' || e.family !== WHACKAMOLE_FAMILY) continue;
      (e.data.protocol === 'seed' ? seed : hello).add(e.device_id);
    }
    for (const id of hello) void this.sendConfig(id);
    for (const id of seed) void this.sendSeedConfig(id);
    const finished = this.head.onEvents(events);
    if (finished.length) this.ctx.record(finished, HEAD_SESSIONS_TOPIC);
  }

  get headOrphans(): number {
    return this.head.orphans;
  }

  /** The SEED worker's reply to `config_request`: its config object, QoS 1, retained. */
  async sendSeedConfig(deviceId: string): Promise<void> {
    try {
      await this.ctx.publish(whacTopic(deviceId, 'commands'), seedConfigMessage(deviceId), {
        qos: 1,
        retain: true,
      });
      this.seedConfigsSent++;
    } catch (err) {
      this.lastError = `config for ${deviceId}: ${(err as Error).message}`;
    }
  }

  async sendConfig(deviceId: string): Promise<void> {
    try {
      const config = this.ctx.services.use('config');
      if (config && typeof config.push === 'function') {
        await config.push('whackamole', deviceId);
      } else {
        // No config service: the defaults, retained, so the cabinet also gets them on reconnect.
        const body = mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, null);
        await this.ctx.publish(whackamoleTopic(deviceId, 'config'), JSON.stringify(body), {
          qos: 1,
          retain: true,
        });
      }
      this.configsSent++;
    } catch (err) {
      this.lastError = `config for ${deviceId}: ${(err as Error).message}`;
    }
  }

  list(): CabinetRow[] {
    const perDevice = this.sessions.perDevice();
    const rows = new Map<string, CabinetRow>();
    for (const d of this.ctx.devices.devices()) {
      if (d.family !== 'whackamole') continue;
      const s = perDevice.get(d.device_id);
      const state = d.status && typeof d.status.state === 'string' ? d.status.state : null;
      rows.set(d.device_id, {
        device_id: d.device_id,
        online: d.online,
        state,
        battery: d.battery,
        rssi: d.rssi,
        firmware: d.firmware,
        last_seen: d.last_seen,
        sessions: s?.sessions ?? 0,
        last_session_at: s ? toIso(s.last) : null,
      });
    }
    return [...rows.values()];
  }

  /** Sends a command to a cabinet: through the commands service when present, else directly. */
  async command(req: {
    device_id: string;
    command: string;
    args?: Record<string, unknown>;
  }): Promise<CommandSent> {
    const known = this.ctx.devices
      .devices()
      .some((d) => d.family === 'whackamole' && d.device_id === req.device_id);
    if (!known) throw new ContractError(`unknown cabinet ${req.device_id}`, 404);
    const commands = this.ctx.services.use('commands');
    if (commands && typeof commands.send === 'function') {
      const res = await commands.send({
        device_id: req.device_id,
        family: 'whackamole',
        command: req.command,
        args: req.args ?? {},
        who: 'operator',
      });
      return { id: res.id, state: res.state };
    }
    let bytes: Uint8Array;
    try {
      bytes = headCommandByte(req.command, req.args ?? {});
    } catch (err) {
      if (err instanceof RejectError) throw new ContractError(err.message);
      throw err;
    }
    // Never retained: a reconnecting agent would replay a pause toggle or a reset.
    await this.ctx.publish(whacTopic(req.device_id, 'commands'), bytes, { qos: 2 });
    return { id: `wm-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`, state: 'delivered' };
  }
}
