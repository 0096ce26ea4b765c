import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { MonitorMessage } from '../../src-shared/contract/types';
import { useActions, useApp } from '../components/context';
import { EmptyState, Status } from '../components/Status';
import { activateOnKey, onRowNavKeyDown } from '../components/tableKeys';
import { formatBytes, formatClockTime, formatInt, prettyPayload, type Tone } from '../lib/format';
import { compileTopicFilter } from '../lib/topicFilter';
import { virtualWindow } from '../lib/virtual';
import { visibleMonitor, type MonitorEntry } from '../state/model';
import { RejectsPanel } from './RejectsPanel';
import { TableHead, num } from '../components/TableHead';
import { Field } from '../components/Field';

/** Fixed row height (px, matches `.table.monitor tbody tr` in styles.css) for windowing. */
const ROW_HEIGHT = 34;
const PREVIEW_CHARS = 160;

type OutcomeFilter = 'all' | MonitorMessage['outcome'];

export const OUTCOME_TONE: Record<MonitorMessage['outcome'], Tone> = {
  event: 'ok',
  duplicate: 'idle',
  unhandled: 'warn',
  reject: 'bad',
};

export function OutcomeBadge({ outcome }: { outcome: MonitorMessage['outcome'] }) {
  return (
    <span className={`badge badge--${OUTCOME_TONE[outcome] ?? 'idle'}`} data-outcome={outcome}>
      {outcome}
    </span>
  );
}

const MonitorRow = memo(function MonitorRow({
  m,
  selected,
  onSelect,
}: {
  m: MonitorEntry;
  selected: boolean;
  onSelect: (m: MonitorEntry) => void;
}) {
  return (
    <tr
      data-testid="monitor-row"
      data-outcome={m.outcome}
      tabIndex={0}
      aria-selected={selected}
      className={selected ? 'selected' : undefined}
      onClick={() => onSelect(m)}
      onKeyDown={(e) => activateOnKey(e, () => onSelect(m))}
    >
      <td className="mono nowrap">{formatClockTime(m.received_at)}</td>
      <td className="mono topic" title={m.topic}>
        {m.topic}
      </td>
      <td>
        <OutcomeBadge outcome={m.outcome} />
      </td>
      <td className="num nowrap">{formatBytes(m.bytes)}</td>
      <td className="mono preview">
        {m.preview.length > PREVIEW_CHARS ? `${m.preview.slice(0, PREVIEW_CHARS)}…` : m.preview}
      </td>
    </tr>
  );
});

function MessageDetail({ m, onClose }: { m: MonitorEntry; onClose: () => void }) {
  const pretty = useMemo(() => prettyPayload(m.preview), [m.preview]);
  return (
    <aside className="panel detail" aria-label="Message detail" data-testid="monitor-detail">
      <div className="detail-head">
        <h2 className="panel-title">Message</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="kv">
        <dt>Topic</dt>
        <dd className="mono break">{m.topic}</dd>
        <dt>Received</dt>
        <dd className="mono">{m.received_at}</dd>
        <dt>Outcome</dt>
        <dd>
          <OutcomeBadge outcome={m.outcome} />
          {m.reason ? <span className="detail-reason"> {m.reason}</span> : null}
        </dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(m.bytes)} · QoS {m.qos}
          {m.retained ? ' · retained' : ''}
        </dd>
      </dl>
      <p className="muted small">
        {pretty.json ? 'Payload (JSON, pretty-printed)' : 'Payload (as received)'}
      </p>
      {/* Always rendered as text: hostile payloads stay inert. */}
      <pre className="payload" data-testid="monitor-payload" tabIndex={0}>
        {pretty.text}
      </pre>
    </aside>
  );
}

export function MonitorView() {
  const monitor = useApp((s) => s.monitor);
  const { pauseMonitor, resumeMonitor, clearMonitor } = useActions();
  const [filterText, setFilterText] = useState('');
  const [outcome, setOutcome] = useState<OutcomeFilter>('all');
  const [selected, setSelected] = useState<MonitorEntry | null>(null);

  const filter = useMemo(() => compileTopicFilter(filterText), [filterText]);
  // Typing stays responsive while the list re-filters at stream rate.
  const source = useDeferredValue(visibleMonitor(monitor));
  const rows = useMemo(() => {
    const out: MonitorEntry[] = [];
    for (let i = source.length - 1; i >= 0; i--) {
      const m = source[i] as MonitorEntry;
      if ((outcome === 'all' || m.outcome === outcome) && filter.test(m.topic)) out.push(m);
    }
    return out;
  }, [source, filter, outcome]);

  // Only the rows in view are rendered: at thousands of messages per second the list changes
  // on every batch, and re-rendering hundreds of rows 20 times a second would stall the UI.
  const scroller = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const hasRows = rows.length > 0;
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    const ro = new ResizeObserver(update);
    ro.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, [hasRows]);
  const win = virtualWindow(scroll.top, scroll.height, ROW_HEIGHT, rows.length);

  const onSelect = useCallback(
    (m: MonitorEntry) => setSelected((cur) => (cur?.seq === m.seq ? null : m)),
    [],
  );

  return (
    <div className="view view-monitor">
      <div className="view-head">
        <h1 className="view-title">Monitor</h1>
        <span className="view-sub" data-testid="monitor-counters">
          {formatInt(monitor.received)} received · {formatInt(monitor.skipped)} thinned by the core · showing{' '}
          {formatInt(rows.length)}
        </span>
      </div>

      <div className="toolbar" role="toolbar" aria-label="Monitor controls">
        <Field label="Topic filter">
          <input
            type="search"
            value={filterText}
            onChange={(e) => setFilterText(e.target.value)}
            placeholder="e.g. leadville/+/status"
            spellCheck={false}
            autoComplete="off"
            data-testid="monitor-filter"
            aria-describedby="filter-hint"
          />
        </Field>
        <span id="filter-hint" className={`field-hint ${filter.invalidWildcard ? 'field-hint--warn' : ''}`}>
          {filter.mode === 'mqtt'
            ? 'MQTT filter'
            : filter.invalidWildcard
              ? 'Not a valid MQTT filter — matching as text'
              : filter.mode === 'substring'
                ? 'Text match'
                : 'All topics'}
        </span>
        <Field label="Outcome">
          <select
            value={outcome}
            onChange={(e) => setOutcome(e.target.value as OutcomeFilter)}
            data-testid="monitor-outcome"
          >
            <option value="all">all</option>
            <option value="event">event</option>
            <option value="reject">reject</option>
            <option value="duplicate">duplicate</option>
            <option value="unhandled">unhandled</option>
          </select>
        </Field>
        <button
          type="button"
          className={monitor.paused ? 'primary' : undefined}
          onClick={monitor.paused ? resumeMonitor : pauseMonitor}
          aria-pressed={monitor.paused}
          data-testid="monitor-pause"
        >
          {monitor.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={clearMonitor}>
          Clear
        </button>
        {monitor.paused ? (
          <span data-testid="monitor-paused">
            <Status tone="warn">paused — {formatInt(monitor.arrivedWhilePaused)} new since pausing</Status>
          </span>
        ) : null}
      </div>

      <div className={`monitor-split ${selected ? 'monitor-split--detail' : ''}`}>
        <div className="panel">
          {rows.length === 0 ? (
            <EmptyState
              title={
                monitor.received === 0
                  ? 'No messages yet — waiting for MQTT traffic on the broker'
                  : 'No messages match the filter'
              }
              testId="monitor-empty"
            />
          ) : (
            <div className="table-scroll monitor-scroll" ref={scroller}>
              <table className="table monitor fixed" aria-label="Raw MQTT messages, newest first">
                <colgroup>
                  <col className="col-time" />
                  <col className="col-topic" />
                  <col className="col-outcome" />
                  <col className="col-size" />
                  <col />
                </colgroup>
                <TableHead columns={['Time', 'Topic', 'Outcome', num('Size'), 'Payload']} />
                <tbody onKeyDown={onRowNavKeyDown}>
                  {win.padTop > 0 ? (
                    <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} />
                  ) : null}
                  {rows.slice(win.start, win.end).map((m) => (
                    <MonitorRow key={m.seq} m={m} selected={selected?.seq === m.seq} onSelect={onSelect} />
                  ))}
                  {win.padBottom > 0 ? (
                    <tr aria-hidden="true" className="spacer" style={{ height: win.padBottom }} />
                  ) : null}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {selected ? <MessageDetail m={selected} onClose={() => setSelected(null)} /> : null}
      </div>

      <RejectsPanel />
    </div>
  );
}
