// What bench/ui puts into the page before the renderer loads: it notes, in the page's own clock
// (performance.timeOrigin + performance.now(), ms since the epoch), when things were PAINTED, not just put
// into the DOM: a requestAnimationFrame callback runs before the frame is drawn, and a message posted from it
// arrives after that frame. Noted: each ringing call's row in the call list, each call panel that shows
// "talking" (data-state=active), each answer of the phone book (the list's data-query), clicks and typed input.
export interface ProbeEvents {
  rows: Array<{ callId: string; at: number }>;
  talking: Array<{ callId: string; at: number }>;
  lists: Array<{ query: string; at: number }>;
  clicks: number[];
  /** Every input event of a text field: what it now holds, and when the input reached the page. */
  inputs: Array<{ value: string; at: number }>;
  /** The call list popup opened (true) or closed (false), painted: a row can only be painted while it is open. */
  listOpen: Array<{ open: boolean; at: number }>;
  /** The call indicator's count painted (always on screen, whether the list is open or not). */
  counts: Array<{ count: number; at: number }>;
  /** Frames on the page's WebSocket: sent commands (by name) and received messages (state or result), when. */
  frames: Array<{ dir: 'out' | 'in'; what: string; at: number }>;
}

declare global {
  interface Window {
    __bench: ProbeEvents;
  }
}

/** Runs in the page (Playwright addInitScript): no imports, no closures over this module. */
export function installProbe(): void {
  const now = (): number => performance.timeOrigin + performance.now();
  const events: ProbeEvents = { rows: [], talking: [], lists: [], clicks: [], inputs: [], frames: [], listOpen: [], counts: [] };
  // Where a key press's time goes: before the command leaves, the round trip, after the answer is in.
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: string) {
    events.frames.push({ dir: 'out', what: /"name":"(\w+)"/.exec(String(data))?.[1] ?? '?', at: now() });
    return send.call(this, data);
  };
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    ...onmessage,
    set(this: WebSocket, fn: ((ev: MessageEvent) => void) | null) {
      onmessage.set!.call(this, fn ? (ev: MessageEvent) => {
        events.frames.push({ dir: 'in', what: String(ev.data).slice(9, 14), at: now() });
        fn.call(this, ev);
      } : null);
    },
  });
  window.__bench = events;
  const afterPaint = (note: (at: number) => void): void => {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => note(now());
      channel.port2.postMessage(0);
    });
  };
  const seenRows = new Set<string>();
  const seenTalking = new Set<string>();
  let lastQuery: string | null = null;
  let listWasOpen = false;
  let lastCount = 0;
  const look = (): void => {
    const open = document.querySelector('[data-testid="call-list"]') !== null;
    if (open !== listWasOpen) {
      listWasOpen = open;
      afterPaint((at) => events.listOpen.push({ open, at }));
    }
    const count = Number(document.querySelector('[data-testid="call-count"]')?.textContent ?? '0');
    if (count !== lastCount) {
      lastCount = count;
      afterPaint((at) => events.counts.push({ count, at }));
    }
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="incoming-call"]')) {
      const callId = el.dataset['callId'] ?? '';
      if (seenRows.has(callId)) continue;
      seenRows.add(callId);
      afterPaint((at) => events.rows.push({ callId, at }));
    }
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="call-panel"][data-state="active"]')) {
      const callId = el.dataset['callId'] ?? '';
      if (seenTalking.has(callId)) continue;
      seenTalking.add(callId);
      afterPaint((at) => events.talking.push({ callId, at }));
    }
    const list = document.querySelector<HTMLElement>('.phonebook-phonebook ul.entries');
    const query = list?.dataset['query'];
    if (query !== undefined && query !== lastQuery) {
      lastQuery = query;
      afterPaint((at) => events.lists.push({ query, at }));
    }
  };
  new MutationObserver(look).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['data-state', 'data-query', 'data-ringing'],
  });
  // Event timestamps are in the same clock as performance.now(), taken when the input reached the page.
  document.addEventListener('mousedown', (ev) => events.clicks.push(performance.timeOrigin + ev.timeStamp), true);
  // Typed Cyrillic arrives as input events (no keydown for keys off the US layout): time the input itself.
  document.addEventListener(
    'input',
    (ev) => {
      const target = ev.target as HTMLInputElement | null;
      events.inputs.push({ value: (target?.value ?? '').trim(), at: performance.timeOrigin + ev.timeStamp });
    },
    true,
  );
}
