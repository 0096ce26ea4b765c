import { useCallback, useEffect, useId, useState } from 'react';
import type { FieldSpec } from '../../../src-shared/commands';
import { configSpecFor } from '../../../src-shared/families';
import type { ConfigView } from '../../../src-shared/contract/devices';
import { useBridge } from '../../components/context';
import { InlineError, Status } from '../../components/Status';
import { formatRelative } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { ConfirmDialog } from './ConfirmDialog';
import { overridesFromForm, showValue, type FormValues } from './model';
import { TableHead } from '../../components/TableHead';

function valuesFrom(fields: readonly FieldSpec[], from: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = from[f.key];
    out[f.key] = v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/**
 * Retained configuration of one device: family defaults, this device's overrides, and the diff
 * (what the device has → what a push publishes) before pushing; clearing removes the retained
 * message.
 */
export function ConfigPanel({ family, deviceId, now }: { family: string; deviceId: string; now: number }) {
  const spec = configSpecFor(family);
  const bridge = useBridge();
  const idPrefix = useId();
  const [view, setView] = useState<ConfigView | null>(null);
  const [form, setForm] = useState<FormValues>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<'push' | 'clear' | null>(null);
  const [defaultsForm, setDefaultsForm] = useState<FormValues | null>(null);

  const apply = useCallback(
    (v: ConfigView) => {
      setView(v);
      if (spec) setForm(valuesFrom(spec.fields, v.overrides));
    },
    [spec],
  );

  useEffect(() => {
    if (!spec) return;
    let live = true;
    bridge
      .call('config.get', { family, device_id: deviceId })
      .then((v) => live && apply(v))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [bridge, family, deviceId, spec, apply]);

  if (!spec) return null;

  const run = async (fn: () => Promise<ConfigView | void>) => {
    setBusy(true);
    setError(null);
    try {
      const v = await fn();
      if (v) apply(v);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  const saveOverrides = () =>
    run(() =>
      bridge.call('config.set_overrides', {
        family,
        device_id: deviceId,
        overrides: overridesFromForm(spec.fields, form),
      }),
    );

  /** Saves edits not saved yet, so the diff shown before a push is what goes out. */
  const saveThenConfirmPush = async () => {
    const overrides = overridesFromForm(spec.fields, form);
    if (view && JSON.stringify(overrides) !== JSON.stringify(view.overrides)) {
      setBusy(true);
      setError(null);
      try {
        apply(await bridge.call('config.set_overrides', { family, device_id: deviceId, overrides }));
      } catch (err) {
        setError(errorMessage(err));
        return;
      } finally {
        setBusy(false);
      }
    }
    setConfirm('push');
  };

  const saveDefaults = () =>
    run(async () => {
      if (!defaultsForm) return;
      await bridge.call('config.set_defaults', {
        family,
        defaults: overridesFromForm(spec.fields, defaultsForm),
      });
      setDefaultsForm(null);
      return bridge.call('config.get', { family, device_id: deviceId });
    });

  const changed = view?.diff.filter((d) => d.changed) ?? [];
  return (
    <div className="config-panel" data-testid="config-panel">
      <p className="muted small">
        Published retained on <span className="mono">{view?.topic ?? spec.topic(deviceId)}</span>
        {view ? (
          <>
            {' · '}
            {view.pushed === null ? (
              <Status tone="idle">nothing published</Status>
            ) : view.in_sync ? (
              <Status tone="ok">device has this configuration</Status>
            ) : (
              <Status tone="warn">changes not pushed</Status>
            )}
            {view.pushed_at ? ` · pushed ${formatRelative(view.pushed_at, now)}` : null}
          </>
        ) : null}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void saveOverrides();
        }}
      >
        <div className="table-scroll">
          <table className="table config" aria-label="Configuration">
            <TableHead columns={['Setting', 'Default', 'Override', 'Device has', 'A push sends']} />
            <tbody>
              {spec.fields.map((f) => {
                const d = view?.diff.find((x) => x.key === f.key);
                const unit = 'unit' in f && f.unit ? ` ${f.unit}` : '';
                return (
                  <tr
                    key={f.key}
                    className={d?.changed ? 'config-changed' : undefined}
                    data-testid="config-row"
                    data-key={f.key}
                    data-changed={d?.changed ? 'true' : 'false'}
                  >
                    <th scope="row">
                      <label htmlFor={`${idPrefix}-${f.key}`}>
                        {f.label}
                        {unit ? <span className="muted small">{unit}</span> : null}
                      </label>
                    </th>
                    <td className="mono">{showValue(view?.defaults[f.key])}</td>
                    <td>
                      <input
                        id={`${idPrefix}-${f.key}`}
                        type={f.kind === 'int' || f.kind === 'number' ? 'number' : 'text'}
                        value={String(form[f.key] ?? '')}
                        placeholder="default"
                        onChange={(e) => setForm((cur) => ({ ...cur, [f.key]: e.target.value }))}
                        data-testid={`config-override-${f.key}`}
                        className="config-input"
                      />
                    </td>
                    <td className="mono">{showValue(d?.old)}</td>
                    <td className="mono">
                      {showValue(d?.new)}
                      {d?.changed ? <span className="config-delta"> changed</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="toolbar config-actions">
          <button type="submit" disabled={busy} data-testid="config-save">
            Save overrides
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => setForm(valuesFrom(spec.fields, {}))}
            data-testid="config-reset-form"
          >
            Use defaults
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !view}
            onClick={() => void saveThenConfirmPush()}
            data-testid="config-push"
          >
            Push to device…
          </button>
          <button
            type="button"
            disabled={busy || !view || view.pushed === null}
            onClick={() => setConfirm('clear')}
            data-testid="config-clear"
          >
            Clear retained…
          </button>
        </div>
        <p className="hint">Empty override = the family default. Save, check the diff, then push.</p>
      </form>
      <details
        className="config-defaults"
        onToggle={(e) => {
          if ((e.currentTarget as HTMLDetailsElement).open && view && !defaultsForm)
            setDefaultsForm(valuesFrom(spec.fields, view.defaults));
        }}
      >
        <summary>Family defaults ({spec.label})</summary>
        {defaultsForm ? (
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              void saveDefaults();
            }}
          >
            {spec.fields.map((f) => (
              <div className="field" key={f.key}>
                <label className="field-label" htmlFor={`${idPrefix}-def-${f.key}`}>
                  {f.label}
                </label>
                <input
                  id={`${idPrefix}-def-${f.key}`}
                  type={f.kind === 'int' || f.kind === 'number' ? 'number' : 'text'}
                  value={String(defaultsForm[f.key] ?? '')}
                  onChange={(e) => setDefaultsForm((cur) => ({ ...(cur ?? {}), [f.key]: e.target.value }))}
                  className="config-input"
                />
              </div>
            ))}
            <div className="field">
              <button type="submit" disabled={busy}>
                Save defaults
              </button>
            </div>
          </form>
        ) : null}
        <p className="hint">
          Defaults apply to every device of the family without an override; push each device.
        </p>
      </details>
      <InlineError message={error} />
      <ConfirmDialog
        open={confirm === 'push'}
        title={`Push configuration to ${deviceId}?`}
        confirmLabel="Push"
        busy={busy}
        onCancel={() => setConfirm(null)}
        onConfirm={() =>
          void run(async () => {
            await bridge.call('config.push', { family, device_id: deviceId });
            return bridge.call('config.get', { family, device_id: deviceId });
          })
        }
      >
        {changed.length === 0 ? (
          <p>No change: the device already has this configuration (it is published again).</p>
        ) : (
          <ul className="config-diff" data-testid="config-diff">
            {changed.map((d) => (
              <li key={d.key}>
                <span className="mono">{d.key}</span>: <span className="mono">{showValue(d.old)}</span> →{' '}
                <span className="mono strong">{showValue(d.new)}</span>
              </li>
            ))}
          </ul>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === 'clear'}
        title={`Clear the retained configuration of ${deviceId}?`}
        confirmLabel="Clear"
        busy={busy}
        onCancel={() => setConfirm(null)}
        onConfirm={() =>
          void run(async () => {
            await bridge.call('config.clear', { family, device_id: deviceId });
            return bridge.call('config.get', { family, device_id: deviceId });
          })
        }
      >
        <p>
          The broker forgets it (an empty retained message): the device keeps what it has until it restarts,
          then runs on its own defaults until a push.
        </p>
      </ConfirmDialog>
    </div>
  );
}
