// The headset, connected through WebHID (in the renderer: Chromium and Electron both have it, so the web host
// and the desktop app share one implementation, with no native module to build; Electron's session grants it
// in main/app/electron.ts). One session per window: reports become commands, the call state becomes LEDs.
import { useEffect } from 'preact/hooks';
import type { PhoneState } from '../../shared/state.js';
import type { Run } from '../store/phone-context.js';
import { HeadsetControl, ledUsages, telephonyDecoder, type HeadsetDecoder } from './headset-control.js';
import { ledReports, TELEPHONY_PAGE, telephonyLayout, type HidCollectionInfo, type HidLayout } from './hid-layout.js';
import { vendorProfile } from './vendor-profiles.js';

/** The slice of WebHID's HIDDevice we use. */
export interface HidDevicePort {
  productName: string;
  vendorId: number;
  productId: number;
  collections: HidCollectionInfo[];
  opened: boolean;
  open(): Promise<void>;
  sendReport(reportId: number, data: Uint8Array): Promise<void>;
  addEventListener(type: 'inputreport', listener: (event: { reportId: number; data: DataView }) => void): void;
}

interface HidPort {
  requestDevice(options: { filters: Array<{ usagePage?: number; vendorId?: number; productId?: number }> }): Promise<HidDevicePort[]>;
  getDevices(): Promise<HidDevicePort[]>;
}

function webHid(): HidPort | null {
  return (globalThis.navigator as unknown as { hid?: HidPort } | undefined)?.hid ?? null;
}

export class HeadsetSession {
  private device: HidDevicePort | null = null;
  private decoder: HeadsetDecoder | null = null;
  private layout: HidLayout | null = null;
  private readonly control = new HeadsetControl();
  private state: PhoneState | null = null;
  private run: Run | null = null;
  private lastLeds = '';
  private readonly listeners = new Set<() => void>();
  /** Opens the transfer panel of a call (the window's; set by useHeadsetSession). */
  private showTransfer: (callId: string) => void = () => undefined;

  supported(): boolean {
    return webHid() !== null;
  }

  name(): string | null {
    return this.device?.productName ?? null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the browser for a headset (needs a click: WebHID's rule). */
  async request(): Promise<void> {
    const hid = webHid();
    if (!hid) return;
    const [device] = await hid.requestDevice({ filters: [{ usagePage: TELEPHONY_PAGE }, ...vendorFilters()] });
    if (device) await this.attach(device);
  }

  /** A headset granted before (this window, an earlier run) comes back without asking. */
  async reconnect(): Promise<void> {
    const devices = (await webHid()?.getDevices()) ?? [];
    const device = devices.find((d) => vendorProfile(d.vendorId, d.productId) || telephonyLayout(d.collections));
    if (device && device !== this.device) await this.attach(device);
  }

  async attach(device: HidDevicePort): Promise<void> {
    const profile = vendorProfile(device.vendorId, device.productId);
    const layout = profile ? null : telephonyLayout(device.collections);
    if (!profile && !layout) return;
    if (!device.opened) await device.open();
    this.device = device;
    this.layout = layout;
    this.decoder = profile ? profile.decoder() : telephonyDecoder(layout!);
    this.lastLeds = '';
    device.addEventListener('inputreport', (event) => this.onReport(event.reportId, new Uint8Array(event.data.buffer, event.data.byteOffset, event.data.byteLength)));
    for (const l of this.listeners) l();
    if (this.state) this.update(this.state, this.run!);
  }

  /** Feeds the current state (LEDs, the toggle hook), the command runner and the window's transfer panel opener. */
  update(state: PhoneState, run: Run, showTransfer?: (callId: string) => void): void {
    this.state = state;
    this.run = run;
    if (showTransfer) this.showTransfer = showTransfer;
    this.control.follow(state);
    if (!this.device || !this.layout) return;
    const leds = this.control.leds(state);
    const key = JSON.stringify(leds);
    if (key === this.lastLeds) return;
    this.lastLeds = key;
    for (const report of ledReports(this.layout, ledUsages(leds))) void this.device.sendReport(report.reportId, report.data).catch(() => undefined);
  }

  onReport(reportId: number, data: Uint8Array): void {
    if (!this.decoder || !this.state || !this.run) return;
    for (const event of this.decoder.decode(reportId, data)) {
      const command = this.control.handle(event, this.state);
      if (command?.name === 'show-transfer') this.showTransfer(command.callId);
      else if (command) void this.run(command.name, command.args as never);
    }
  }
}

function vendorFilters() {
  return [{ vendorId: 0x03f0, productId: 0x1c07 }];
}

export const headsetSession = new HeadsetSession();

/** Keeps the window's headset session fed with the state; reconnects a granted headset at start. */
export function useHeadsetSession(state: PhoneState, run: Run, showTransfer: (callId: string) => void): void {
  useEffect(() => {
    if (headsetSession.supported()) void headsetSession.reconnect().catch(() => undefined);
  }, []);
  useEffect(() => headsetSession.update(state, run, showTransfer), [state, run, showTransfer]);
}
