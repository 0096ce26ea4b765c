import { useMemo, useState } from 'react';
import type { AlertRow, GatewayRow } from '../../../src-shared/contract/games';
import type { Threshold } from '../../../src-shared/ingest/gateway';
import type { MarshalEvent } from '../../../src-shared/events/model';
import { useActions, useBridge } from '../../components/context';
import { useNow } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { activateOnKey, onRowNavKeyDown } from '../../components/tableKeys';
import type { Tone } from '../../lib/format';
import { formatRelative } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { mergeReadings, metricLabel, metricOrder } from './chart';
import { useCommand, useEventsOf } from './hooks';
import { MetricChart } from './MetricChart';
import { TableHead, hidden, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

const WINDOWS = [
  { label: '15 min', seconds: 900 },
  { label: '1 h', seconds: 3600 },
  { label: '6 h', seconds: 6 * 3600 },
  { label: '24 h', seconds: 24 * 3600 },
];
const OPERATOR_KEY = 'marshal.operator';
const MAX_LIVE_EVENTS = 20_000;

function severityTone(s: string): Tone {
  return s === 'CRITICAL' ? 'bad' : s === 'WARNING' ? 'warn' : 'idle';
}

function GatewayTable({
  gateways,
  selected,
  onSelect,
  now,
}: {
  gateways: readonly GatewayRow[];
  selected: string | null;
  onSelect: (id: string) => void;
  now: number;
}) {
  return (
    <div className="table-scroll">
      <table className="table gateways" aria-label="Gateways">
        <TableHead columns={['Gateway', 'State', 'Zones (latest)', num('Open alerts'), 'Last seen']} />
        <tbody onKeyDown={onRowNavKeyDown}>
          {gateways.map((g) => {
            const zones = new Map<string, string[]>();
            for (const l of g.latest) {
              const list = zones.get(l.zone) ?? [];
              list.push(`${metricLabel(l.metric)} ${l.value}${l.unit ? ` ${l.unit}` : ''}`);
              zones.set(l.zone, list);
            }
            return (
              <tr
                key={g.device_id}
                tabIndex={0}
                aria-selected={g.device_id === selected}
                className={g.device_id === selected ? 'selected' : undefined}
                onClick={() => onSelect(g.device_id)}
                onKeyDown={(e) => activateOnKey(e, () => onSelect(g.device_id))}
                data-testid="gateway-row"
                data-device-id={g.device_id}
              >
                <th scope="row" className="mono">
                  {g.device_id}
                </th>
                <td>
                  <Status tone={g.online ? 'ok' : 'bad'}>{g.online ? 'online' : 'offline'}</Status>
                </td>
                <td className="gw-zones">
                  {[...zones.entries()].map(([zone, values]) => (
                    <div key={zone}>
                      <span className="strong">{zone}</span>{' '}
                      <span className="muted">{values.join(' · ')}</span>
                    </div>
                  ))}
                </td>
                <td className="num">
                  {g.open_alerts > 0 ? <Status tone="warn">{g.open_alerts}</Status> : '0'}
                </td>
                <td>{formatRelative(g.last_seen, now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Charts({ deviceId, thresholds }: { deviceId: string; thresholds: readonly Threshold[] }) {
  const [windowS, setWindowS] = useState(900);
  const loaded = useCommand('gateways.readings', { device_id: deviceId, seconds: windowS });
  // Readings pushed since mount, merged into what was loaded (a reload overlapping them is fine).
  const [live, setLive] = useState<MarshalEvent[]>([]);
  const now = useNow(5000);
  useEventsOf(
    ['gateway.reading'],
    (events) => {
      const mine = events.filter((e) => e.device_id === deviceId);
      if (mine.length) setLive((l) => l.concat(mine).slice(-MAX_LIVE_EVENTS));
    },
    1000,
  );
  const series = useMemo(
    () =>
      loaded.data && loaded.data.device_id === deviceId
        ? mergeReadings(loaded.data.series, deviceId, live)
        : [],
    [loaded.data, deviceId, live],
  );

  const zones = useMemo(() => [...new Set(series.map((s) => s.zone))].sort(), [series]);
  const metrics = metricOrder(series.map((s) => s.metric));
  const fromMs = now - windowS * 1000;
  return (
    <div className="gw-charts">
      <div className="toolbar" role="group" aria-label="Chart window">
        <span className="field-label">Readings of {deviceId}</span>
        {WINDOWS.map((w) => (
          <button
            key={w.seconds}
            type="button"
            aria-pressed={w.seconds === windowS}
            className={w.seconds === windowS ? 'primary' : undefined}
            onClick={() => setWindowS(w.seconds)}
          >
            {w.label}
          </button>
        ))}
      </div>
      <InlineError message={loaded.error ? `Could not load readings: ${loaded.error}` : null} />
      {loaded.data && series.length === 0 ? (
        <EmptyState title={`No readings from ${deviceId} in this window`} testId="gateway-charts-empty" />
      ) : null}
      <div className="gw-chart-grid">
        {metrics.map((m) => (
          <MetricChart
            key={m}
            deviceId={deviceId}
            metric={m}
            series={series.filter((s) => s.metric === m)}
            zones={zones}
            thresholds={thresholds}
            fromMs={fromMs}
            toMs={now}
          />
        ))}
      </div>
    </div>
  );
}

function Alerts({ deviceId }: { deviceId: string | null }) {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const [state, setState] = useState<'open' | 'acknowledged' | 'all'>('open');
  const [onlySelected, setOnlySelected] = useState(false);
  const [operator, setOperator] = useState(() => {
    try {
      return window.localStorage.getItem(OPERATOR_KEY) ?? '';
    } catch {
      return '';
    }
  });
  const req = useMemo(
    () => ({ state, limit: 200, ...(onlySelected && deviceId ? { device_id: deviceId } : {}) }),
    [state, onlySelected, deviceId],
  );
  const alerts = useCommand('gateways.alerts.list', req);
  useEventsOf(['alert'], () => alerts.refresh(), 500);
  const [busy, setBusy] = useState<number | null>(null);

  const who = operator.trim();
  const ack = (a: AlertRow) => {
    if (!who) return;
    setBusy(a.id);
    try {
      window.localStorage.setItem(OPERATOR_KEY, who);
    } catch {
      // private mode: the name just is not remembered
    }
    bridge
      .call('gateways.alerts.ack', { id: a.id, by: who })
      .then(() => alerts.refresh())
      .catch((err: unknown) => notifyError(`Acknowledge alert ${a.id}: ${errorMessage(err)}`))
      .finally(() => setBusy(null));
  };

  const rows = alerts.data?.alerts ?? [];
  return (
    <section className="panel" aria-labelledby="alerts-title">
      <h2 className="panel-title" id="alerts-title">
        Alerts{' '}
        {alerts.data ? (
          <span data-testid="alerts-open-count" className={alerts.data.open > 0 ? 'alerts-open' : undefined}>
            ({alerts.data.open} open)
          </span>
        ) : null}
      </h2>
      <div className="toolbar" role="group" aria-label="Alert filters">
        <Field label="Show">
          <select
            value={state}
            onChange={(e) => setState(e.target.value as typeof state)}
            data-testid="alerts-state"
          >
            <option value="open">open</option>
            <option value="acknowledged">acknowledged</option>
            <option value="all">all</option>
          </select>
        </Field>
        <label className="field field-inline">
          <input
            type="checkbox"
            checked={onlySelected}
            disabled={!deviceId}
            onChange={(e) => setOnlySelected(e.target.checked)}
          />
          <span>only {deviceId ?? 'the selected gateway'}</span>
        </label>
        <Field label="Acknowledge as">
          <input
            type="text"
            value={operator}
            maxLength={64}
            placeholder="your name"
            onChange={(e) => setOperator(e.target.value)}
            data-testid="alerts-operator"
          />
        </Field>
        {!who ? <span className="field-hint field-hint--warn">enter your name to acknowledge</span> : null}
      </div>
      <InlineError message={alerts.error ? `Could not load alerts: ${alerts.error}` : null} />
      {alerts.data && rows.length === 0 ? (
        <EmptyState title={state === 'open' ? 'No open alerts' : 'No alerts'} testId="alerts-empty">
          Gateways' own alerts (devices/+/alerts) and the console's threshold alerts are listed here.
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="table alerts" aria-label="Alerts">
            <TableHead columns={['Time', 'Severity', 'Gateway / zone', 'Alert', 'From', 'Acknowledged']} />
            <tbody>
              {rows.map((a) => (
                <tr
                  key={a.id}
                  data-testid="alert-row"
                  data-alert-id={a.id}
                  data-source={a.source}
                  data-acknowledged={a.acknowledged_at ? 'true' : 'false'}
                >
                  <td className="nowrap">{new Date(a.ts).toLocaleTimeString()}</td>
                  <td>
                    <Status tone={severityTone(a.severity)}>{a.severity}</Status>
                  </td>
                  <td className="mono">
                    {a.device_id}
                    {a.zone ? ` / ${a.zone}` : ''}
                  </td>
                  <td>
                    <span className="strong">{a.alert_type}</span>
                    {a.message ? <span className="muted"> — {a.message}</span> : null}
                    {!a.message && a.value !== null && a.threshold !== null ? (
                      <span className="muted">
                        {' '}
                        ({a.metric ?? 'value'} {a.value}, limit {a.threshold})
                      </span>
                    ) : null}
                  </td>
                  <td>{a.source === 'console' ? 'console threshold' : 'gateway'}</td>
                  <td>
                    {a.acknowledged_at ? (
                      <span data-testid="alert-ack">
                        {a.acknowledged_by}, {new Date(a.acknowledged_at).toLocaleTimeString()}
                      </span>
                    ) : (
                      <button
                        type="button"
                        disabled={!who || busy === a.id}
                        onClick={() => ack(a)}
                        data-testid="alert-ack-button"
                        aria-label={`Acknowledge ${a.alert_type} on ${a.device_id}${a.zone ? ` ${a.zone}` : ''}`}
                      >
                        Acknowledge
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

interface DraftThreshold {
  key: number;
  metric: string;
  zone: string;
  above: string;
  below: string;
  hysteresis: string;
  severity: 'INFO' | 'WARNING' | 'CRITICAL';
}

function nextKey(list: readonly DraftThreshold[]): number {
  return list.reduce((m, d) => Math.max(m, d.key), 0) + 1;
}

function toDraft(t: Threshold, i: number): DraftThreshold {
  return {
    key: i + 1,
    metric: t.metric,
    zone: t.zone ?? '',
    above: t.above === undefined ? '' : String(t.above),
    below: t.below === undefined ? '' : String(t.below),
    hysteresis: t.hysteresis === undefined ? '' : String(t.hysteresis),
    severity: t.severity,
  };
}

/** Draft → threshold, or a reason it is not one yet. */
export function fromDraft(d: DraftThreshold): Threshold | string {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const above = num(d.above);
  const below = num(d.below);
  const hysteresis = num(d.hysteresis);
  if (!d.metric.trim()) return 'a metric name is needed';
  for (const [name, v] of [
    ['above', above],
    ['below', below],
    ['hysteresis', hysteresis],
  ] as const) {
    if (v !== undefined && !Number.isFinite(v)) return `${name} must be a number`;
  }
  if (above === undefined && below === undefined) return `${d.metric}: set above or below`;
  if (hysteresis !== undefined && hysteresis < 0) return 'hysteresis cannot be negative';
  return {
    metric: d.metric.trim(),
    ...(d.zone.trim() ? { zone: d.zone.trim() } : {}),
    ...(above !== undefined ? { above } : {}),
    ...(below !== undefined ? { below } : {}),
    ...(hysteresis !== undefined ? { hysteresis } : {}),
    severity: d.severity,
  };
}

function Thresholds({ onSaved }: { onSaved: (t: Threshold[]) => void }) {
  const bridge = useBridge();
  const loaded = useCommand('gateways.thresholds.get', undefined);
  // Edited drafts, or (until the first edit) the loaded thresholds.
  const [edited, setDrafts] = useState<DraftThreshold[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const initial = useMemo(() => (loaded.data ? loaded.data.thresholds.map(toDraft) : null), [loaded.data]);
  const drafts = edited ?? initial;

  const update = (key: number, patch: Partial<DraftThreshold>) => {
    setSaved(false);
    setDrafts((ds) => (ds ?? initial ?? []).map((d) => (d.key === key ? { ...d, ...patch } : d)));
  };

  const save = (list: DraftThreshold[]) => {
    const parsed = list.map(fromDraft);
    const bad = parsed.find((p) => typeof p === 'string');
    if (typeof bad === 'string') {
      setError(bad);
      return;
    }
    setSaving(true);
    bridge
      .call('gateways.thresholds.set', { thresholds: parsed as Threshold[] })
      .then((res) => {
        setError(null);
        setSaved(true);
        setDrafts(res.thresholds.map(toDraft));
        onSaved(res.thresholds);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setSaving(false));
  };

  return (
    <section className="panel" aria-labelledby="thr-title">
      <h2 className="panel-title" id="thr-title">
        Console thresholds
      </h2>
      <p className="hint">
        The console raises its own alert once when a reading goes beyond a threshold, and again only after it
        came back by the hysteresis.
      </p>
      <InlineError message={loaded.error ? `Could not load thresholds: ${loaded.error}` : error} />
      {drafts ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save(drafts);
          }}
        >
          <div className="table-scroll">
            <table className="table thresholds" aria-label="Thresholds">
              <TableHead
                columns={[
                  'Metric',
                  'Zone',
                  'Above',
                  'Below',
                  'Hysteresis',
                  'Severity',
                  hidden('Remove', 'visually-hidden'),
                ]}
              />
              <tbody>
                {drafts.map((d, i) => (
                  <tr key={d.key} data-testid="threshold-row">
                    <td>
                      <input
                        aria-label={`Metric of threshold ${i + 1}`}
                        value={d.metric}
                        onChange={(e) => update(d.key, { metric: e.target.value })}
                        className="input-narrow"
                      />
                    </td>
                    <td>
                      <input
                        aria-label={`Zone of threshold ${i + 1}`}
                        value={d.zone}
                        placeholder="every zone"
                        onChange={(e) => update(d.key, { zone: e.target.value })}
                        className="input-narrow"
                      />
                    </td>
                    {(['above', 'below', 'hysteresis'] as const).map((k) => (
                      <td key={k}>
                        <input
                          aria-label={`${k} of threshold ${i + 1}`}
                          inputMode="decimal"
                          value={d[k]}
                          onChange={(e) => update(d.key, { [k]: e.target.value })}
                          className="input-narrow"
                          data-testid={`threshold-${k}`}
                        />
                      </td>
                    ))}
                    <td>
                      <select
                        aria-label={`Severity of threshold ${i + 1}`}
                        value={d.severity}
                        onChange={(e) =>
                          update(d.key, { severity: e.target.value as DraftThreshold['severity'] })
                        }
                      >
                        <option>INFO</option>
                        <option>WARNING</option>
                        <option>CRITICAL</option>
                      </select>
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Remove threshold ${i + 1}`}
                        onClick={() => {
                          setSaved(false);
                          setDrafts((ds) => (ds ?? initial ?? []).filter((x) => x.key !== d.key));
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="toolbar">
            <button
              type="button"
              onClick={() =>
                setDrafts((ds) => [
                  ...(ds ?? initial ?? []),
                  {
                    key: nextKey(ds ?? initial ?? []),
                    metric: '',
                    zone: '',
                    above: '',
                    below: '',
                    hysteresis: '',
                    severity: 'WARNING',
                  },
                ])
              }
            >
              Add threshold
            </button>
            <button type="submit" className="primary" disabled={saving} data-testid="thresholds-save">
              Save thresholds
            </button>
            <button
              type="button"
              onClick={() => loaded.data && save(loaded.data.defaults.map(toDraft))}
              disabled={saving || !loaded.data}
            >
              Reset to defaults
            </button>
            <span className="field-hint" role="status">
              {saved ? 'Saved.' : ''}
            </span>
          </div>
        </form>
      ) : null}
    </section>
  );
}

export function GatewaysView() {
  const now = useNow(5000);
  const list = useCommand('gateways.list', undefined);
  const thresholds = useCommand('gateways.thresholds.get', undefined);
  const [current, setCurrent] = useState<Threshold[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEventsOf(['gateway.reading', 'device.status', 'alert'], () => list.refresh(), 3000);

  const gateways = list.data?.gateways ?? [];
  const shown = selected ?? gateways[0]?.device_id ?? null;
  const activeThresholds = current ?? thresholds.data?.thresholds ?? [];

  return (
    <div className="view view-gateways">
      <div className="view-head">
        <h1 className="view-title">Gateways</h1>
        {gateways.length > 0 ? (
          <span className="view-sub">
            {gateways.filter((g) => g.online).length} of {gateways.length} online
          </span>
        ) : null}
      </div>
      <InlineError message={list.error ? `Could not load gateways: ${list.error}` : null} />
      {list.data && gateways.length === 0 ? (
        <EmptyState
          title="No gateways yet — waiting for devices/+/sensor_data or status"
          testId="gateways-empty"
        >
          Field gateways appear when they publish readings or their status.
        </EmptyState>
      ) : null}
      {gateways.length > 0 ? (
        <div className="panel">
          <GatewayTable gateways={gateways} selected={shown} onSelect={setSelected} now={now} />
          <p className="hint">Select a gateway (click, or Enter on a focused row) for its charts.</p>
        </div>
      ) : null}
      {shown ? (
        <div className="panel">
          <Charts key={shown} deviceId={shown} thresholds={activeThresholds} />
        </div>
      ) : null}
      <Alerts deviceId={shown} />
      <Thresholds onSaved={setCurrent} />
    </div>
  );
}
