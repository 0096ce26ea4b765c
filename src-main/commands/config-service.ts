/**
 * Retained per-device configuration, per family (src-shared/commands/config.ts): family defaults
 * (built in, or set by the operator), per-device overrides, the diff against what was last
 * pushed, pushing (retained, QoS 1) and clearing (an empty retained publish).
 *
 * The embedded broker keeps retained messages in memory, so configurations pushed before a
 * restart are published again when the module starts.
 */
import { configSpecFor, CONFIG_SPECS } from '../../src-shared/families';
import {
  diffConfig,
  effectiveConfig,
  type ConfigSpec,
  type ConfigValues,
} from '../../src-shared/commands/config';
import { ContractError } from '../../src-shared/contract';
import type { ConfigView } from '../../src-shared/contract/devices';
import { toIso } from '../../src-shared/events/time';
import { isValidDeviceId } from '../../src-shared/ids';
import type { CommandStore } from './store';
import type { ConfigService } from '../core/services';

export interface ConfigServiceDeps {
  store: CommandStore;
  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  now?: () => number;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class DeviceConfigService implements ConfigService {
  private readonly now: () => number;

  constructor(private readonly deps: ConfigServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  families(): string[] {
    return Object.keys(CONFIG_SPECS);
  }

  private spec(family: string): ConfigSpec {
    const spec = configSpecFor(family);
    if (!spec) {
      throw new ContractError(
        `no configuration for family ${JSON.stringify(family.slice(0, 32))} (families with one: ${this.families().join(', ')})`,
        400,
      );
    }
    return spec;
  }

  private checkId(deviceId: string): void {
    if (!isValidDeviceId(deviceId))
      throw new ContractError('device id must match [A-Za-z0-9._:-]{1,64}', 400);
  }

  defaults(family: string): ConfigValues {
    const spec = this.spec(family);
    const stored = this.deps.store.configDefaults(family);
    if (stored) {
      try {
        return spec.parseDefaults(stored);
      } catch {
        // A stored set that no longer validates (the schema grew): the built-in defaults.
      }
    }
    return { ...spec.builtinDefaults };
  }

  effective(family: string, deviceId: string): ConfigValues {
    const spec = this.spec(family);
    this.checkId(deviceId);
    const { overrides, pushed } = this.deps.store.deviceConfig(family, deviceId);
    return this.compute(spec, family, overrides, pushed);
  }

  private compute(
    spec: ConfigSpec,
    family: string,
    overrides: ConfigValues,
    pushed: ConfigValues | null,
  ): ConfigValues {
    try {
      return effectiveConfig(spec, this.defaults(family), overrides, pushed);
    } catch (err) {
      throw new ContractError(reason(err), 400);
    }
  }

  view(family: string, deviceId: string): ConfigView {
    const spec = this.spec(family);
    this.checkId(deviceId);
    const { overrides, pushed, pushed_at } = this.deps.store.deviceConfig(family, deviceId);
    const effective = this.compute(spec, family, overrides, pushed);
    const diff = diffConfig(spec, pushed, effective);
    return {
      family,
      device_id: deviceId,
      topic: spec.topic(deviceId),
      defaults: this.defaults(family),
      overrides,
      effective,
      pushed,
      pushed_at: pushed_at === null ? null : toIso(pushed_at),
      diff,
      in_sync: pushed !== null && diff.every((d) => !d.changed),
    };
  }

  setOverrides(family: string, deviceId: string, overrides: ConfigValues): ConfigView {
    const spec = this.spec(family);
    this.checkId(deviceId);
    let parsed: ConfigValues;
    try {
      parsed = spec.parseOverrides(overrides);
      spec.merge(this.defaults(family), parsed);
    } catch (err) {
      throw new ContractError(reason(err), 400);
    }
    this.deps.store.saveOverrides(family, deviceId, parsed);
    return this.view(family, deviceId);
  }

  setDefaults(family: string, defaults: ConfigValues): ConfigValues {
    const spec = this.spec(family);
    let parsed: ConfigValues;
    try {
      parsed = spec.parseDefaults(defaults);
    } catch (err) {
      throw new ContractError(reason(err), 400);
    }
    this.deps.store.saveConfigDefaults(family, parsed);
    return parsed;
  }

  async push(family: string, deviceId: string): Promise<void> {
    const spec = this.spec(family);
    const config = this.effective(family, deviceId);
    await this.deps.publish(spec.topic(deviceId), JSON.stringify(config), { qos: 1, retain: true });
    this.deps.store.savePushed(family, deviceId, config, this.now());
  }

  async clear(family: string, deviceId: string): Promise<void> {
    const spec = this.spec(family);
    this.checkId(deviceId);
    // MQTT 3.1.1 §3.3.1.3: a retained message with an empty payload removes the retained one.
    await this.deps.publish(spec.topic(deviceId), '', { qos: 1, retain: true });
    this.deps.store.savePushed(family, deviceId, null, this.now());
  }

  /** Publishes every pushed configuration again (the embedded broker forgot them on restart). */
  async restoreRetained(): Promise<number> {
    let n = 0;
    for (const p of this.deps.store.pushedConfigs()) {
      const spec = configSpecFor(p.family);
      if (!spec || !isValidDeviceId(p.device_id)) continue;
      await this.deps.publish(spec.topic(p.device_id), JSON.stringify(p.pushed), { qos: 1, retain: true });
      n++;
    }
    return n;
  }
}
