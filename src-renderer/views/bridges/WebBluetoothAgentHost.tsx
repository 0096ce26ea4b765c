import { useEffect } from 'react';
import { useBridge } from '../../components/context';
import { setWebBluetoothAgent } from './agent';
import { WebBluetoothAgent, webBluetooth } from './webBluetooth';

/**
 * Runs the Web Bluetooth agent for the whole app (not only while the Bridges view is open: a
 * connected sensor keeps streaming when the operator looks elsewhere). Only in the desktop app:
 * there the main process chooses the device; a browser would show its own chooser instead.
 */
export function WebBluetoothAgentHost() {
  const bridge = useBridge();
  useEffect(() => {
    const bluetooth = webBluetooth();
    if (!bridge.features.webBluetooth || !bluetooth) return;
    const agent = new WebBluetoothAgent(bluetooth, bridge);
    let live = true;
    agent
      .start()
      .then(() => live && setWebBluetoothAgent(agent))
      .catch((err: unknown) => console.error('marshal: Web Bluetooth agent did not start', err));
    return () => {
      live = false;
      setWebBluetoothAgent(null);
      void agent.stop();
    };
  }, [bridge]);
  return null;
}
