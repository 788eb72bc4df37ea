// The renderer's one source of truth: the latest PhoneState the core published, plus whether the carrier is up.
import { useEffect, useState } from 'preact/hooks';
import type { PhoneApi } from '../../shared/commands.js';
import type { PhoneState } from '../../shared/state.js';
import { isConnectionAware } from '../api/ws-api.js';

export interface PhoneStore {
  state: PhoneState | null;
  connected: boolean;
}

export function usePhoneState(api: PhoneApi): PhoneStore {
  const [state, setState] = useState<PhoneState | null>(null);
  const [connected, setConnected] = useState<boolean>(() => (isConnectionAware(api) ? api.isConnected() : true));

  useEffect(() => {
    // Snapshots older than the one drawn are dropped; a reconnect may reach a restarted core whose
    // versions start over, so the floor is reset then.
    let floor = -Infinity;
    const offState = api.onState((next) => {
      if (next.version < floor) return;
      floor = next.version;
      setState(next);
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
  }, [api]);

  return { state, connected };
}
