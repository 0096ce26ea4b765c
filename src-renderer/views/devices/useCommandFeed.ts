import { useCallback, useEffect, useState } from 'react';
import type { CommandRecord } from '../../../src-shared/contract/devices';
import { useActions, useApp, useBridge } from '../../components/context';
import { errorMessage } from '../../state/sync';
import { mergeCommands } from './model';

const INITIAL_PAGE = 200;

/**
 * The command history: one page listed when the view opens (and again after a reconnect, since
 * pushes sent meanwhile are lost), then every pushed `commands` batch merged with one state update.
 */
export function useCommandFeed(): {
  commands: readonly CommandRecord[];
  loaded: boolean;
  error: string | null;
  merge(records: readonly CommandRecord[]): void;
} {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const connected = useApp((s) => s.connection.state === 'connected');
  const [commands, setCommands] = useState<readonly CommandRecord[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const merge = useCallback((records: readonly CommandRecord[]) => {
    setCommands((cur) => mergeCommands(cur, records));
  }, []);

  useEffect(() => bridge.on('commands', (batch) => merge(batch)), [bridge, merge]);

  useEffect(() => {
    if (!connected) return;
    let live = true;
    bridge
      .call('commands.list', { limit: INITIAL_PAGE })
      .then((page) => {
        if (!live) return;
        merge(page.commands);
        setLoaded(true);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!live) return;
        const message = errorMessage(err);
        setError(message);
        notifyError(`Command history: ${message}`);
      });
    return () => {
      live = false;
    };
  }, [bridge, connected, merge, notifyError]);

  return { commands, loaded, error, merge };
}
