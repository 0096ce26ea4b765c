/** Serial and BLE bridges, the pure part: GATT interface, drivers, framing. */
export * from './gatt';
export * from './driver';
export * from './timer';
export * from './serial';
export { amgCommanderDriver, AMG_DRIVER_ID, AMG_COMMANDS, encodeAmgCommand, canonicalCommand } from './amg';
export { bt50Driver, BT50_DRIVER_ID, BT50_COMMANDS, encodeBt50Command, bt50Battery, RateMeter } from './bt50';
