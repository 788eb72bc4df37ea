// "Open the transfer panel of this call": asked by the transfer key (F8 in the window, the global shortcut through
// the desktop shell) and answered by that call's panel (CallPanels.tsx), which owns whether its panel is open.
// seq grows with each request, so a panel opens once per request and can be closed again.
import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';

export interface TransferRequest {
  callId: string;
  seq: number;
}

export const TransferRequestContext = createContext<TransferRequest | null>(null);

/** Calls open() once for each new request about this call. */
export function useTransferRequest(callId: string, open: () => void): void {
  const request = useContext(TransferRequestContext);
  const seen = useRef(request?.seq ?? 0);
  useEffect(() => {
    if (!request || request.seq <= seen.current) return;
    seen.current = request.seq;
    if (request.callId === callId) open();
  }, [request?.seq]);
}
