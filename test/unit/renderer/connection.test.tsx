// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import type { PhoneApi } from '../../../shared/commands.js';
import type { PhoneState } from '../../../shared/state.js';
import type { ConnectionAware } from '../../../renderer/api/ws-api.js';
import { baseState, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

class FlakyApi extends FakePhoneApi implements ConnectionAware {
  up = true;
  private readonly connListeners = new Set<(c: boolean) => void>();
  isConnected() {
    return this.up;
  }
  onConnectionChange(l: (c: boolean) => void) {
    this.connListeners.add(l);
    return () => this.connListeners.delete(l);
  }
  set(up: boolean) {
    this.up = up;
    for (const l of this.connListeners) l(up);
  }
}

describe('connection to the phone core', () => {
  it('says the connection is lost while the carrier is down, and recovers', async () => {
    const api = new FlakyApi(baseState());
    render(<App api={api} />);
    await screen.findByTestId('registration-status');
    expect(screen.queryByTestId('connection-lost')).toBeNull();
    act(() => api.set(false));
    expect(screen.getByTestId('connection-lost').textContent).toContain('Connection to the phone core lost');
    act(() => api.set(true));
    expect(screen.queryByTestId('connection-lost')).toBeNull();
  });

  it('before the first state it says it is connecting', () => {
    const silent: PhoneApi = { invoke: () => new Promise(() => {}), onState: (_l: (s: PhoneState) => void) => () => {} };
    render(<App api={silent} />);
    expect(screen.getByTestId('boot').textContent).toContain('Подключение');
  });
});
