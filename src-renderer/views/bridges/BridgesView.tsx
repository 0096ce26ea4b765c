/** The Bridges view: serial and BLE bridges the console drives, and their settings. */
import { useMemo, useSyncExternalStore } from 'react';
import { useNow, usePolled } from '../../components/hooks';
import { InlineError } from '../../components/Status';
import { getWebBluetoothAgent, subscribeWebBluetoothAgent } from './agent';
import { sortPorts, summary } from './model';
import { SerialPanel } from './SerialPanel';
import { BlePanel } from './BlePanel';
import { SettingsPanel } from './SettingsPanel';

const REFRESH_MS = 1000;

export function BridgesView() {
  const polled = usePolled('bridges.list', undefined, REFRESH_MS);
  const now = useNow(1000);
  const agent = useSyncExternalStore(subscribeWebBluetoothAgent, getWebBluetoothAgent, () => null);
  const state = polled.data;
  const sub = summary(state);
  const ports = useMemo(() => sortPorts(state?.serial.ports ?? []), [state]);
  return (
    <div className="view view-bridges" data-testid="bridges-view">
      <div className="view-head">
        <h1 className="view-title">Bridges</h1>
        {sub ? <span className="view-sub">{sub}</span> : null}
      </div>
      <InlineError message={polled.error ? `Could not load bridges: ${polled.error}` : null} />
      {state === null && !polled.error ? <p className="muted">Loading bridges…</p> : null}
      {state ? (
        <>
          <SerialPanel ports={ports} now={now} refresh={polled.refresh} />
          <BlePanel ble={state.ble} now={now} refresh={polled.refresh} agent={agent} />
          <SettingsPanel settings={state.settings} refresh={polled.refresh} />
        </>
      ) : null}
    </div>
  );
}
