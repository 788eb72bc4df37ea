// Headset call control, vendor-neutral: a decoder turns a device's input reports into HeadsetEvents (the
// telephony usage page for most headsets, a small profile for devices that speak their own reports), and
// HeadsetControl turns events into the same commands the keys give (shared/keymap.ts), and the call state
// into LEDs (ring, off-hook, mute, hold). Both kinds of hook switch: absolute (the report says on or off hook)
// and toggle (each press flips it; we keep the hook state and let it follow calls answered elsewhere).
import type { KeyCommand } from '../../shared/keymap.js';
import { commandForKey } from '../../shared/keymap.js';
import type { PhoneState } from '../../shared/state.js';
import { LED, readField, TELEPHONY, TELEPHONY_PAGE, type HidLayout } from './hid-layout.js';

export type HeadsetEvent =
  /** An absolute hook switch moved: off-hook = the dispatcher took the line. */
  | { kind: 'hook'; offHook: boolean }
  /** A toggle hook switch (or an answer/end button) was pressed. */
  | { kind: 'hook-toggle' }
  | { kind: 'press'; button: 'answer' | 'flash' | 'hold' | 'drop' | 'mute' }
  /** An absolute mute switch moved. */
  | { kind: 'mute'; muted: boolean };

export interface HeadsetDecoder {
  decode(reportId: number, data: Uint8Array): HeadsetEvent[];
}

/** Decodes the telephony page's Hook Switch, Flash, Hold, Drop and Phone Mute, on edges only. */
export function telephonyDecoder(layout: HidLayout): HeadsetDecoder {
  const fields = layout.inputs.filter((f) => f.page === TELEPHONY_PAGE);
  const last = new Map<(typeof fields)[number], number>();
  return {
    decode(reportId, data) {
      const events: HeadsetEvent[] = [];
      for (const f of fields) {
        if (f.reportId !== reportId) continue;
        const value = readField(data, f);
        const before = last.get(f) ?? 0;
        last.set(f, value);
        if (value === before) continue; // a repeated report (headsets resend) is no new event
        const on = value !== 0;
        switch (f.usage) {
          case TELEPHONY.hookSwitch:
            if (f.absolute) events.push({ kind: 'hook', offHook: on });
            else if (on) events.push({ kind: 'hook-toggle' });
            break;
          case TELEPHONY.phoneMute:
            if (f.absolute) events.push({ kind: 'mute', muted: on });
            else if (on) events.push({ kind: 'press', button: 'mute' });
            break;
          case TELEPHONY.flash:
            if (on) events.push({ kind: 'press', button: 'flash' });
            break;
          case TELEPHONY.hold:
            if (on) events.push({ kind: 'press', button: 'hold' });
            break;
          case TELEPHONY.drop:
            if (on) events.push({ kind: 'press', button: 'drop' });
            break;
        }
      }
      return events;
    },
  };
}

/** What the headset asks for, as a command the bridge knows (or null: nothing to do now). */
export type HeadsetCommand = Extract<KeyCommand, { args: unknown }> | { name: 'mute'; args: { callId: string; muted: boolean } } | { name: 'decline'; args: { callId: string } };

/** What a headset report asks for: a command for the core, or (Flash set to transfer) the transfer panel of a call. */
export type HeadsetRequest = HeadsetCommand | Extract<KeyCommand, { name: 'show-transfer' }>;

export interface HeadsetLeds {
  offHook: boolean;
  ring: boolean;
  mute: boolean;
  hold: boolean;
}

export class HeadsetControl {
  /** Our idea of the hook for toggle devices: off-hook while a call is being talked on. */
  private offHook = false;

  /** Follows calls answered or ended elsewhere (the window, a colleague), so the next toggle means the right thing. */
  follow(state: PhoneState): void {
    this.offHook = state.activeCallId !== null;
  }

  handle(event: HeadsetEvent, state: PhoneState): HeadsetRequest | null {
    const active = state.calls.find((c) => c.callId === state.activeCallId) ?? null;
    switch (event.kind) {
      case 'hook':
        this.offHook = event.offHook;
        return event.offHook ? answerCommand(state) : hangupCommand(state);
      case 'hook-toggle':
        this.offHook = !this.offHook;
        return this.offHook ? answerCommand(state) : hangupCommand(state);
      case 'mute':
        return active ? { name: 'mute', args: { callId: active.callId, muted: event.muted } } : null;
      case 'press':
        switch (event.button) {
          case 'answer':
            this.offHook = true;
            return answerCommand(state);
          case 'mute':
            return active ? { name: 'mute', args: { callId: active.callId, muted: !active.muted } } : null;
          case 'flash': {
            // Most headsets mean Flash as hold/swap; a setting can make it open the transfer panel instead.
            const command = commandForKey(state.settings.headsetFlash ?? 'hold', state);
            return command?.name === 'show-transfer' ? command : asHeadsetCommand(command);
          }
          case 'hold':
            return asHeadsetCommand(commandForKey('hold', state));
          case 'drop': {
            if (active) return hangupCommand(state);
            const oldest = state.incomingQueue[0];
            return oldest ? { name: 'decline', args: { callId: oldest } } : null;
          }
        }
    }
  }

  leds(state: PhoneState): HeadsetLeds {
    const active = state.calls.find((c) => c.callId === state.activeCallId) ?? null;
    return {
      offHook: active !== null,
      ring: state.incomingQueue.length > 0 && active === null,
      mute: active?.muted ?? false,
      hold: state.calls.some((c) => c.state === 'held' && c.heldLocally),
    };
  }
}

/** LED usages on the LED page for the states above. */
export function ledUsages(leds: HeadsetLeds): Record<number, boolean> {
  return { [LED.offHook]: leds.offHook, [LED.ring]: leds.ring, [LED.mute]: leds.mute, [LED.hold]: leds.hold };
}

function answerCommand(state: PhoneState): HeadsetCommand | null {
  return asHeadsetCommand(commandForKey('answer', state));
}

function hangupCommand(state: PhoneState): HeadsetCommand | null {
  return asHeadsetCommand(commandForKey('hangup', state));
}

function asHeadsetCommand(command: KeyCommand | null): HeadsetCommand | null {
  return command && 'args' in command ? command : null;
}
