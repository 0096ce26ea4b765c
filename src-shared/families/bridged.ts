/**
 * Timers and sensors the console reaches itself, over a serial port or BLE (AMG Commander, BT50):
 * their drivers turn device bytes into the range tree's own messages, so ingest treats them as
 * range devices; commands go to the device through its driver instead of over MQTT.
 */
import { DriverRegistry, type BleDriver } from '../bridges/driver';
import { amgCommanderDriver } from '../bridges/amg';
import { bt50Driver } from '../bridges/bt50';
import type { FamilyDescriptor } from './types';

export interface BridgedFamilyDescriptor extends FamilyDescriptor {
  /** The drivers that ship; a new serial or BLE device type is one more driver here. */
  readonly drivers: readonly BleDriver[];
}

export const bridgedFamily: BridgedFamilyDescriptor = {
  id: 'bridged',
  label: 'Serial / BLE timer or sensor',
  // It never publishes over MQTT itself: the console's bridges publish for it, in the range tree.
  credentials: false,
  match: () => null,
  parse: () => ({ outcome: 'unhandled' }),
  acl: () => ({ publish: [], subscribe: [] }),
  roles: {},
  targets: [],
  drivers: [amgCommanderDriver, bt50Driver],
};

/** A fresh registry of the drivers that ship (a registry can take more at run time). */
export function defaultDrivers(): DriverRegistry {
  return new DriverRegistry(bridgedFamily.drivers);
}
