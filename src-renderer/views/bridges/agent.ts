/**
 * The window's one Web Bluetooth agent (see webBluetooth.ts), started by WebBluetoothAgentHost
 * where the desktop app runs and the page has navigator.bluetooth; the Bridges view reads it to
 * open the chooser from its Scan and Connect buttons.
 */
import type { WebBluetoothAgent } from './webBluetooth';

let current: WebBluetoothAgent | null = null;
const listeners = new Set<() => void>();

export function setWebBluetoothAgent(agent: WebBluetoothAgent | null): void {
  current = agent;
  for (const l of listeners) l();
}

export function getWebBluetoothAgent(): WebBluetoothAgent | null {
  return current;
}

export function subscribeWebBluetoothAgent(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
