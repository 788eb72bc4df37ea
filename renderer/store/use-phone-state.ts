// The renderer's one source of truth: the latest PhoneState the core published, plus whether the carrier is up.
import { useEffect, useState } from 'preact/hooks';
import type { PhoneApi } from '../../shared/commands.js';
import type { PhoneState } from '../../shared/state.js';
import { isConnectionAware } from '../api/ws-api.js';
import { DirectoryRevision, sameButDirectory } from './directory-revision.js';

export interface PhoneStore {
  /**
   * The latest state that changed something besides the phone book's revision: its directoryRevision may be
   * older than the core's; read that through `directory` (useDirectoryRevision).
   */
  state: PhoneState | null;
  connected: boolean;
  directory: DirectoryRevision;
}

export function usePhoneState(api: PhoneApi): PhoneStore {
  const [state, setState] = useState<PhoneState | null>(null);
  const [directory] = useState(() => new DirectoryRevision());
  const [connected, setConnected] = useState<boolean>(() => (isConnectionAware(api) ? api.isConnected() : true));

  useEffect(() => {
    // Snapshots older than the one drawn are dropped; a reconnect may reach a restarted core whose
    // versions start over, so the floor is reset then.
    let floor = -Infinity;
    const offState = api.onState((next) => {
      if (next.version < floor) return;
      floor = next.version;
      directory.set(next.directoryRevision);
      // Only presence moved: the phone books search again (directory), nothing else is drawn anew.
      setState((drawn) => (drawn !== null && sameButDirectory(drawn, next) ? drawn : next));
    });
    let offConnection = () => {};
    if (isConnectionAware(api)) {
      setConnected(api.isConnected());
      offConnection = api.onConnectionChange((up) => {
        if (up) floor = -Infinity;
        setConnected(up);
      });
    }
    return () => {
      offState();
      offConnection();
    };
  }, [api, directory]);

  return { state, connected, directory };
}
