// Requests from the desktop shell (PhoneState.desktop.request): a tray or notification click opens the call
// list, the global transfer shortcut the transfer panel of a call, a link the dial prompt. Each request has a
// seq and is acted on once.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { WindowRequest } from '../../shared/desktop.js';

export function useWindowRequest(request: WindowRequest | null | undefined, open: { callList(): void; transfer(callId: string): void }) {
  const seen = useRef(0);
  const [dialTarget, setDialTarget] = useState<string | null>(null);
  useEffect(() => {
    if (!request || request.seq <= seen.current) return;
    seen.current = request.seq;
    if (request.open === 'call-list') open.callList();
    else if (request.open === 'transfer') open.transfer(request.callId);
    else setDialTarget(request.target);
  }, [request?.seq]);
  return { dialTarget, closeDial: () => setDialTarget(null) };
}
