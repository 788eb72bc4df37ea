// @vitest-environment happy-dom
// A state that moves only the phone book's revision (presence, up to 4 times a second at start-up) searches
// the phone book again and re-renders nothing else: the call list is not drawn anew behind it.
import { act, cleanup, render, screen, waitFor } from '@testing-library/preact';
import { options, type VNode } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { sameButDirectory } from '../../../renderer/store/directory-revision.js';
import { CallIndicator } from '../../../renderer/telephony/CallIndicator.js';
import { baseState, call, employee, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

/** Counts the renders of one component while `body` runs. */
async function rendersOf(component: unknown, body: () => Promise<void>): Promise<number> {
  let count = 0;
  const previous = options.diffed;
  options.diffed = (vnode: VNode) => {
    if (vnode.type === component) count++;
    previous?.(vnode);
  };
  try {
    await body();
  } finally {
    options.diffed = previous;
  }
  return count;
}

describe('presence-only states', () => {
  it('tells a presence-only state from one that changed something drawn', () => {
    const a = baseState({ calls: [call({ callId: 'c1', state: 'ringing' })], incomingQueue: ['c1'] });
    expect(sameButDirectory(a, { ...a, version: a.version + 1, directoryRevision: 7 })).toBe(true);
    expect(sameButDirectory(a, { ...a, incomingQueue: [] })).toBe(false);
    expect(sameButDirectory(a, { ...a, calls: [call({ callId: 'c1', state: 'active' })] })).toBe(false);
    expect(sameButDirectory(a, { ...a, desktop: undefined })).toBe(true);
  });

  it('searches the phone book again without re-rendering the call list; a new call still draws', async () => {
    const api = new FakePhoneApi(baseState());
    let online: boolean | null = null;
    api.handle('searchPhoneBook', () => ({ ok: true, value: [{ ...employee({ employeeId: 'e1', surname: 'Ivanov', sipUri: 'sip:1002@pbx' }), online }] }));
    render(<App api={api} />);
    expect(await screen.findByTestId('phonebook-nobody-online')).toBeTruthy();
    const before = api.commands('searchPhoneBook').length;
    online = true;
    const renders = await rendersOf(CallIndicator, async () => {
      act(() => api.publish({ directoryRevision: 1 }));
      await waitFor(() => expect(screen.getAllByTestId('phonebook-entry')).toHaveLength(1));
    });
    expect(api.commands('searchPhoneBook').length).toBe(before + 1);
    expect(renders).toBe(0);
    act(() => api.publish({ calls: [call({ callId: 'c9', state: 'ringing' })], incomingQueue: ['c9'] }));
    await waitFor(() => expect(screen.getByTestId('call-count').textContent).toBe('1'));
  });
});
