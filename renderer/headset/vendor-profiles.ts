// Devices that do not use the telephony usage page and speak their own input reports. Each profile turns its
// reports into the same vendor-neutral HeadsetEvents.
import type { HeadsetDecoder, HeadsetEvent } from './headset-control.js';

export interface VendorProfile {
  name: string;
  vendorId: number;
  productId: number;
  decoder(): HeadsetDecoder;
}

/**
 * HP Internet Handset (03f0:1c07), from the report recordings in arkygeek/voipHandset keyMappingRaw.py: two
 * bytes, the second carrying bit 0 = off the cradle (an absolute hook switch), bit 1 = a key is down, and the
 * key code in bits 2-7 (green 13, red 16, mute 17).
 */
export const HP_INTERNET_HANDSET: VendorProfile = {
  name: 'HP Internet Handset',
  vendorId: 0x03f0,
  productId: 0x1c07,
  decoder() {
    let lastHook: boolean | null = null;
    let lastKey = -1;
    return {
      decode(_reportId, data) {
        const byte = data[1] ?? 0;
        const events: HeadsetEvent[] = [];
        const offHook = (byte & 1) === 1;
        if (lastHook !== null && offHook !== lastHook) events.push({ kind: 'hook', offHook });
        lastHook = offHook;
        const down = (byte & 2) === 2;
        const key = down ? byte >> 2 : -1;
        if (key !== lastKey && down) {
          if (key === 13) events.push({ kind: 'press', button: 'answer' }); // green
          if (key === 16) events.push({ kind: 'press', button: 'drop' }); // red
          if (key === 17) events.push({ kind: 'press', button: 'mute' });
        }
        lastKey = key;
        return events;
      },
    };
  },
};

export const VENDOR_PROFILES: readonly VendorProfile[] = [HP_INTERNET_HANDSET];

export function vendorProfile(vendorId: number, productId: number): VendorProfile | null {
  return VENDOR_PROFILES.find((p) => p.vendorId === vendorId && p.productId === productId) ?? null;
}
