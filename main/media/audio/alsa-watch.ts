// Hot-plug for the ALSA-level backends (RtAudio, PortAudio): udev creates and removes a sound card's
// device nodes in /dev/snd, and fs.watch hears that through inotify (no polling). Only the hardware
// list changes so: the devices behind ALSA's pulse plugin (`pulse`, `default`) stay the same whatever
// sinks PulseAudio has (it moves its own streams when a headset comes or goes).
import fs from 'node:fs';

/** A burst of node changes (one card = several nodes) is one change, this long after the first. */
const SETTLE_MS = 300;

/** Call `onChange` when a card comes or goes; returns the stop function (a no-op where `dir` is missing). */
export function watchSoundCards(onChange: () => void, dir = '/dev/snd'): () => void {
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(dir, { persistent: false });
  } catch {
    return () => undefined; // no sound card node directory here (no card at all, or a container)
  }
  let timer: NodeJS.Timeout | null = null;
  watcher.on('change', () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, SETTLE_MS);
    timer.unref();
  });
  watcher.on('error', () => undefined);
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
    watcher.close();
  };
}
