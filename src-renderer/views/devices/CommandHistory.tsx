import { useState } from 'react';
import type { CommandRecord } from '../../../src-shared/contract/devices';
import { useActions, useBridge } from '../../components/context';
import { EmptyState, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { formatClockTime, formatRelative } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { argsSummary, stateLabel, stateTone } from './model';
import { TableHead, hidden } from '../../components/TableHead';

/** Every command with its state and who sent it; queued ones can be cancelled. */
export function CommandHistory({
  commands,
  now,
  onlyDevice,
  onChanged,
}: {
  commands: readonly CommandRecord[];
  now: number;
  /** `family/device_id` to show one device's commands, or null for all. */
  onlyDevice: { family: string; device_id: string } | null;
  onChanged: (rec: CommandRecord) => void;
}) {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const [busy, setBusy] = useState<string | null>(null);
  const rows = onlyDevice
    ? commands.filter((c) => c.device_id === onlyDevice.device_id && c.family === onlyDevice.family)
    : commands;

  const cancel = (id: string) => {
    setBusy(id);
    bridge
      .call('commands.cancel', { id })
      .then(onChanged)
      .catch((err: unknown) => notifyError(`Cancel: ${errorMessage(err)}`))
      .finally(() => setBusy(null));
  };

  if (rows.length === 0) {
    return (
      <EmptyState
        title={onlyDevice ? 'No commands sent to this device yet' : 'No commands sent yet'}
        testId="commands-empty"
      />
    );
  }
  return (
    <div className="table-scroll">
      <table className="table commands" aria-label="Command history">
        <TableHead
          columns={[
            'Created',
            'Device',
            'Command',
            'State',
            'Who',
            'Sent',
            'Answer',
            hidden('Actions', 'cmd-sr-only'),
          ]}
        />
        <tbody onKeyDown={onRowNavKeyDown}>
          {rows.map((c) => (
            <tr
              key={c.id}
              tabIndex={0}
              data-testid="command-row"
              data-command-id={c.id}
              data-command={c.command}
              data-state={c.state}
            >
              <td className="nowrap" title={c.created_at}>
                {formatClockTime(c.created_at)}
              </td>
              <th scope="row" className="mono">
                {c.device_id}
                <span className="muted small"> {c.family}</span>
              </th>
              <td>
                <span className="mono">{c.command}</span>
                {Object.keys(c.args).length ? (
                  <span className="muted small mono"> {argsSummary(c.args)}</span>
                ) : null}
              </td>
              <td>
                <Status tone={stateTone(c.state)} testId="command-state">
                  {stateLabel(c.state)}
                </Status>
              </td>
              <td>{c.who}</td>
              <td className="nowrap">
                {c.sent_at ? formatRelative(c.sent_at, now) : '—'}
                {c.via === 'bridge' ? <span className="muted small"> via bridge</span> : null}
              </td>
              <td className="command-answer">
                {c.acked_at ? <span className="nowrap">{formatRelative(c.acked_at, now)} </span> : null}
                {c.error ? <span className="reason">{c.error}</span> : null}
                {!c.acked_at && !c.error ? '—' : null}
              </td>
              <td>
                {c.state === 'queued' ? (
                  <button
                    type="button"
                    onClick={() => cancel(c.id)}
                    disabled={busy === c.id}
                    data-testid="command-cancel"
                  >
                    Cancel
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
