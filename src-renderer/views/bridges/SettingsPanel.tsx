/** The bridges' settings: what the console reconnects and how often. */
import { BLE_TRANSPORTS, type BridgesSettings } from '../../../src-shared/contract/bridges';
import { useBridge } from '../../components/context';
import { InlineError } from '../../components/Status';
import { Field } from '../../components/Field';
import { useAction } from './parts';

export function SettingsPanel({ settings, refresh }: { settings: BridgesSettings; refresh: () => void }) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const set = (patch: Partial<BridgesSettings>) =>
    void run('Save bridge settings', () => bridge.call('bridges.settings.set', patch));
  return (
    <section className="panel" aria-labelledby="bridge-settings-title">
      <h2 className="panel-title" id="bridge-settings-title">
        Bridge settings
      </h2>
      <div className="toolbar">
        <label className="bridge-check">
          <input
            type="checkbox"
            checked={settings.republish}
            disabled={busy}
            onChange={(e) => set({ republish: e.target.checked })}
            data-testid="bridges-republish"
          />
          Republish bridged messages into the broker (for other subscribers)
        </label>
        <Field label="BLE transport">
          <select
            value={settings.ble_transport}
            disabled={busy}
            onChange={(e) => set({ ble_transport: e.target.value as BridgesSettings['ble_transport'] })}
          >
            {BLE_TRANSPORTS.map((t) => (
              <option key={t} value={t}>
                {t === 'auto'
                  ? 'automatic'
                  : t === 'bluez'
                    ? 'BlueZ (Linux)'
                    : t === 'web-bluetooth'
                      ? 'Web Bluetooth (desktop app)'
                      : 'off'}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <InlineError message={error} />
    </section>
  );
}
