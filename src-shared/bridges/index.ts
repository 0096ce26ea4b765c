/** Serial and BLE bridges, the pure part: GATT interface, drivers, framing. */
export * from './gatt';
export * from './driver';
export * from './timer';
export * from './serial';
export { amgCommanderDriver, AMG_DRIVER_ID, AMG_COMMANDS, encodeAmgCommand, canonicalCommand } from './amg';
export { bt50Driver, BT50_DRIVER_ID, BT50_COMMANDS, encodeBt50Command, bt50Battery, RateMeter } from './bt50';

import { amgCommanderDriver } from './amg';
import { bt50Driver } from './bt50';
import { DriverRegistry } from './driver';

/** The drivers that ship: the AMG Commander timer and the BT50 sensor. Add timers here. */
export function defaultDrivers(): DriverRegistry {
  return new DriverRegistry([amgCommanderDriver, bt50Driver]);
}
