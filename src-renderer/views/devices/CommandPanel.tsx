import { useMemo, useState } from 'react';
import type { CommandDef } from '../../../src-shared/commands';
import { CATALOGUE, TARGET_LABELS } from '../../../src-shared/families';
import { CommandForm } from '../../components/CommandForm';
import type { CommandRecord } from '../../../src-shared/contract/devices';
import { useBridge } from '../../components/context';
import { InlineError, Status } from '../../components/Status';
import { errorMessage } from '../../state/sync';
import { ConfirmDialog } from './ConfirmDialog';
import { argsSummary, stateLabel, stateTone, type PanelDevice } from './model';

/** The typed command form for one device, with a confirmation for disruptive commands. */
export function CommandPanel({
  device,
  history,
  onSent,
}: {
  device: PanelDevice;
  /** The live history, to follow the last command sent from here. */
  history: readonly CommandRecord[];
  onSent: (record: CommandRecord) => void;
}) {
  const bridge = useBridge();
  const target = device.target;
  const commands = useMemo(() => (target ? CATALOGUE[target] : []), [target]);
  const [def, setDef] = useState<CommandDef | undefined>(undefined);
  const [confirming, setConfirming] = useState<Record<string, unknown> | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<CommandRecord | null>(null);

  if (!target) {
    return (
      <p className="muted" data-testid="command-none">
        No commands for a {device.family}
        {device.kind ? ` ${device.kind}` : ''}.
      </p>
    );
  }

  const send = async (command: string, args: Record<string, unknown>) => {
    setSending(true);
    setError(null);
    try {
      const rec = await bridge.call('commands.send', {
        device_id: device.device_id,
        family: device.family,
        command,
        args,
      });
      setLast(rec);
      onSent(rec);
      setConfirming(null);
    } catch (err) {
      setError(errorMessage(err));
      setConfirming(null);
    } finally {
      setSending(false);
    }
  };

  const submit = (picked: CommandDef, args: Record<string, unknown>) => {
    setDef(picked);
    setError(null);
    if (picked.disruptive) setConfirming(args);
    else void send(picked.name, args);
  };

  const summary = confirming ? argsSummary(confirming) : '';
  const lastNow = last ? (history.find((c) => c.id === last.id) ?? last) : null;
  return (
    <div className="command-panel" data-testid="command-panel">
      <p className="muted small">{TARGET_LABELS[target]}</p>
      <CommandForm kind={target} commands={commands} busy={sending} onSubmit={submit} />
      <InlineError message={error} />
      {lastNow ? (
        <p className="command-last" data-testid="command-last" data-state={lastNow.state} aria-live="polite">
          Last sent: <span className="mono">{lastNow.command}</span>{' '}
          <span className="mono small">{lastNow.id.slice(0, 8)}</span>{' '}
          <Status tone={stateTone(lastNow.state)}>{stateLabel(lastNow.state)}</Status>
          {lastNow.error ? <span className="reason"> {lastNow.error}</span> : null}
        </p>
      ) : null}
      <ConfirmDialog
        open={confirming !== null}
        title={`${def?.label ?? ''} on ${device.name ?? device.device_id}?`}
        confirmLabel={`Send ${def?.label ?? ''}`}
        busy={sending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && def && void send(def.name, confirming)}
      >
        <p>{def?.description}</p>
        <p>
          Device <span className="mono">{device.device_id}</span> ({device.family}
          {device.online ? ', online' : ', offline: it waits in the queue until the device is back'})
          {summary ? (
            <>
              {' '}
              with <span className="mono">{summary}</span>
            </>
          ) : null}
          .
        </p>
      </ConfirmDialog>
    </div>
  );
}
