import { describe, expect, it } from 'vitest';
import type { Call } from '../../../shared/domain.js';
import { commandForKey, DEFAULT_GLOBAL_SHORTCUTS, holdOrResume, transferableCall, windowKeyAction, WINDOW_KEYS } from '../../../shared/keymap.js';
import { emptyPhoneState } from '../../support/phone-state.js';

function call(callId: string, over: Partial<Call> = {}): Call {
  return {
    callId, direction: 'incoming', number: '2001', displayName: null, remoteUri: 'sip:2001@lab', identity: { kind: 'new-client' },
    state: 'active', heldLocally: false, heldRemotely: false, muted: false, startedAt: 1, answeredAt: 2, endedAt: null,
    endReason: null, endCause: null, transfer: null, consultationFor: null, media: null, ...over,
  };
}

describe('the key map', () => {
  it('keeps the window keys: F2 / Ctrl+Enter answer, F3 hold, F4 end, F6 search, Esc; Alt+F4 is not ours', () => {
    expect(windowKeyAction({ key: 'F2' })).toBe('answer');
    expect(windowKeyAction({ key: 'Enter', ctrlKey: true })).toBe('answer');
    expect(windowKeyAction({ key: 'Enter' })).toBeNull();
    expect(windowKeyAction({ key: 'F3' })).toBe('hold');
    expect(windowKeyAction({ key: 'F4' })).toBe('hangup');
    expect(windowKeyAction({ key: 'F4', altKey: true })).toBeNull();
    expect(windowKeyAction({ key: 'F6' })).toBe('focus-phone-book');
    expect(windowKeyAction({ key: 'F8' })).toBe('transfer');
    expect(windowKeyAction({ key: 'Escape' })).toBe('close-popups');
    expect(windowKeyAction({ key: 'F5' })).toBeNull();
  });

  it('gives the global shortcuts the same meaning as the window keys, never a bare F-key', () => {
    for (const [action, accelerator] of Object.entries(DEFAULT_GLOBAL_SHORTCUTS)) {
      if (!accelerator) continue;
      const key = accelerator.split('+').at(-1)!;
      expect(accelerator).toMatch(/^Ctrl\+Shift\+/);
      expect(WINDOW_KEYS.find((k) => k.key === key)?.action, accelerator).toBe(action);
    }
  });

  it('F3 holds the call being talked on, else resumes the call we held last', () => {
    const talking = emptyPhoneState({ calls: [call('a', { state: 'held', heldLocally: true }), call('b')], activeCallId: 'b' });
    expect(holdOrResume(talking)).toEqual({ name: 'hold', args: { callId: 'b' } });
    const twoHeld = emptyPhoneState({
      calls: [call('late', { state: 'held', heldLocally: true, startedAt: 9 }), call('early', { state: 'held', heldLocally: true, startedAt: 3 })],
    });
    expect(holdOrResume(twoHeld)).toEqual({ name: 'resume', args: { callId: 'late' } });
    // Held only by the other side: not ours to resume.
    expect(holdOrResume(emptyPhoneState({ calls: [call('r', { state: 'held', heldRemotely: true })] }))).toBeNull();
    // Dialling out: F3 neither holds it nor brings a held call back over it.
    const dialling = emptyPhoneState({ calls: [call('h', { state: 'held', heldLocally: true }), call('d', { state: 'dialing' })], activeCallId: 'd' });
    expect(holdOrResume(dialling)).toBeNull();
  });

  it('answers the oldest ringing call, ends the active one, and a play/pause key does whichever fits', () => {
    const ringing = emptyPhoneState({ calls: [call('r1', { state: 'ringing' }), call('r2', { state: 'ringing' })], incomingQueue: ['r1', 'r2'] });
    expect(commandForKey('answer', ringing)).toEqual({ name: 'answer', args: { callId: 'r1' } });
    expect(commandForKey('answer-or-hangup', ringing)).toEqual({ name: 'answer', args: { callId: 'r1' } });
    expect(commandForKey('hangup', ringing)).toBeNull();
    const talking = { ...ringing, activeCallId: 'x' };
    expect(commandForKey('hangup', talking)).toEqual({ name: 'hangup', args: { callId: 'x' } });
    expect(commandForKey('answer-or-hangup', talking)).toEqual({ name: 'hangup', args: { callId: 'x' } });
    expect(commandForKey('answer', emptyPhoneState())).toBeNull();
  });

  it('transfer opens the panel of the call being talked on, else of the call held last; never a consultation', () => {
    const talking = emptyPhoneState({ calls: [call('h', { state: 'held', heldLocally: true }), call('a')], activeCallId: 'a' });
    expect(commandForKey('transfer', talking)).toEqual({ name: 'show-transfer', callId: 'a' });
    const heldOnly = emptyPhoneState({
      calls: [call('early', { state: 'held', heldLocally: true, startedAt: 3 }), call('late', { state: 'held', heldLocally: true, startedAt: 9 })],
    });
    expect(commandForKey('transfer', heldOnly)).toEqual({ name: 'show-transfer', callId: 'late' });
    expect(commandForKey('transfer', emptyPhoneState())).toBeNull();
    const ringingOnly = emptyPhoneState({ calls: [call('r', { state: 'ringing' })], incomingQueue: ['r'] });
    expect(commandForKey('transfer', ringingOnly)).toBeNull();
    const dialling = emptyPhoneState({ calls: [call('d', { state: 'dialing' })], activeCallId: 'd' });
    expect(transferableCall(dialling)).toBeNull();
    const consulting = emptyPhoneState({
      calls: [
        call('caller', { state: 'held', heldLocally: true, transfer: { kind: 'attended', consultationCallId: 'c', status: 'consulting', cause: null } }),
        call('c', { consultationFor: 'caller' }),
      ],
      activeCallId: 'c',
    });
    expect(transferableCall(consulting)).toBeNull();
    // With the consultation gone and the attended transfer failed, the caller can be transferred again.
    const failed = emptyPhoneState({
      calls: [call('caller', { state: 'held', heldLocally: true, transfer: { kind: 'attended', consultationCallId: 'c', status: 'failed', cause: null } })],
    });
    expect(transferableCall(failed)?.callId).toBe('caller');
  });
});
