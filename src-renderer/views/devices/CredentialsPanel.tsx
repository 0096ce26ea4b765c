import { useId, useState } from 'react';
import { CREDENTIAL_FAMILIES } from '../../../src-shared/contract/devices';
import { useBridge } from '../../components/context';
import { usePolled } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { formatRelative } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { ConfirmDialog } from './ConfirmDialog';
import { TableHead, hidden } from '../../components/TableHead';

const REFRESH_MS = 3000;

/**
 * LAN credentials: who holds which (connected MQTT clients by username), the ACL each family
 * gets, adding one (the password is shown once, here, and nowhere else) and revoking one.
 */
/** The credential families a device family maps to (a range sensor is reached through its bridge). */
function credentialFamily(family: string | undefined): string {
  return family && (CREDENTIAL_FAMILIES as readonly string[]).includes(family) ? family : 'whackamole';
}

function AddCredentialForm({
  suggestion,
  onCreated,
}: {
  suggestion?: { family: string; device_id: string };
  onCreated: (c: { username: string; password: string; family: string }) => void;
}) {
  const bridge = useBridge();
  const idPrefix = useId();
  const [family, setFamily] = useState<string>(credentialFamily(suggestion?.family));
  const [deviceId, setDeviceId] = useState(suggestion?.device_id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await bridge.call('credentials.add', {
        family: family as (typeof CREDENTIAL_FAMILIES)[number],
        device_id: deviceId.trim(),
      });
      onCreated({ username: res.username, password: res.password, family: res.family });
      setDeviceId('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={`${idPrefix}-family`}>
            Family
          </label>
          <select
            id={`${idPrefix}-family`}
            value={family}
            onChange={(e) => setFamily(e.target.value)}
            data-testid="credential-family"
          >
            {CREDENTIAL_FAMILIES.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${idPrefix}-device`}>
            Device id (its username)
          </label>
          <input
            id={`${idPrefix}-device`}
            type="text"
            value={deviceId}
            maxLength={64}
            pattern="[A-Za-z0-9._:\-]{1,64}"
            required
            onChange={(e) => setDeviceId(e.target.value)}
            data-testid="credential-device"
            autoComplete="off"
          />
        </div>
        <div className="field">
          <button type="submit" className="primary" disabled={busy} data-testid="credential-add">
            Add credential
          </button>
        </div>
      </form>
      <InlineError message={error} />
    </>
  );
}

export function CredentialsPanel({
  now,
  suggestion,
}: {
  now: number;
  suggestion?: { family: string; device_id: string };
}) {
  const bridge = useBridge();
  const polled = usePolled('credentials.list', undefined, REFRESH_MS);
  const [created, setCreated] = useState<{ username: string; password: string; family: string } | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const data = polled.data;

  const revoke = async (username: string) => {
    setBusy(true);
    setError(null);
    try {
      await bridge.call('credentials.revoke', { username });
      polled.refresh();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  return (
    <div className="credentials" data-testid="credentials-panel">
      <InlineError message={polled.error ? `Could not load credentials: ${polled.error}` : null} />
      {data?.note ? <p className="muted">{data.note}</p> : null}
      {data?.available ? (
        <>
          <AddCredentialForm
            key={suggestion ? `${suggestion.family}/${suggestion.device_id}` : 'none'}
            suggestion={suggestion}
            onCreated={(c) => {
              setCreated(c);
              polled.refresh();
            }}
          />
          {created ? (
            <div className="password-once" role="status" data-testid="credential-created">
              <p>
                Password for <span className="mono strong">{created.username}</span> ({created.family}) —
                shown this once; the console keeps only a hash:
              </p>
              <p>
                <code className="password" data-testid="credential-password">
                  {created.password}
                </code>
              </p>
              <button type="button" onClick={() => setCreated(null)}>
                Done, I have noted it
              </button>
            </div>
          ) : null}
          <InlineError message={error} />
          {data.credentials.length === 0 ? (
            <EmptyState title="No device credentials yet" testId="credentials-empty" />
          ) : (
            <div className="table-scroll">
              <table className="table credentials-table" aria-label="Device credentials">
                <TableHead
                  columns={[
                    'Username / device',
                    'Family',
                    'Held by',
                    'Created',
                    'ACL',
                    hidden('Actions', 'cmd-sr-only'),
                  ]}
                />
                <tbody onKeyDown={onRowNavKeyDown}>
                  {data.credentials.map((c) => (
                    <tr key={c.username} tabIndex={0} data-testid="credential-row" data-username={c.username}>
                      <th scope="row" className="mono">
                        {c.username}
                      </th>
                      <td>{c.family}</td>
                      <td>
                        {c.clients.length === 0 ? (
                          <Status tone="idle">not connected</Status>
                        ) : (
                          c.clients.map((x) => (
                            <div key={x.client_id}>
                              <Status tone="ok">
                                <span className="mono">{x.client_id}</span>
                              </Status>{' '}
                              <span className="muted small mono">{x.address ?? ''}</span>
                            </div>
                          ))
                        )}
                      </td>
                      <td>{formatRelative(c.created_at, now)}</td>
                      <td className="acl small mono">
                        <div>pub: {c.acl.publish.join(' ') || '—'}</div>
                        <div>sub: {c.acl.subscribe.join(' ') || '—'}</div>
                      </td>
                      <td>
                        <button
                          type="button"
                          onClick={() => setRevoking(c.username)}
                          disabled={busy}
                          data-testid="credential-revoke"
                        >
                          Revoke…
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
      {data ? (
        <details className="acl-families">
          <summary>ACL per family</summary>
          <table className="table" aria-label="ACL per family">
            <TableHead columns={['Family', 'May publish', 'May subscribe']} />
            <tbody>
              {data.families.map((f) => (
                <tr key={f.family}>
                  <th scope="row">{f.family}</th>
                  <td className="mono small">{f.publish.join(' ') || '—'}</td>
                  <td className="mono small">{f.subscribe.join(' ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">
            A device publishes only under its own family and id and reads only its own commands and
            configuration; a range bridge publishes its tree except commands.
          </p>
        </details>
      ) : null}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the credential of ${revoking ?? ''}?`}
        confirmLabel="Revoke"
        busy={busy}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        <p>The device is disconnected now and can no longer log in until it gets a new credential.</p>
      </ConfirmDialog>
    </div>
  );
}
