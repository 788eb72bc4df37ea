// Where each telephony control sits in a headset's HID reports, from the collections WebHID hands us
// (HIDDevice.collections: reports with items, each item reportSize x reportCount bits, its usages as
// (page << 16) | usage). Vendor-neutral: the HID Usage Tables name the controls, not the maker.

/** The parts of WebHID's HIDReportItem we read (the same names, so a real HIDCollectionInfo fits). */
export interface HidItemInfo {
  usages?: number[];
  usageMinimum?: number;
  usageMaximum?: number;
  isRange?: boolean;
  reportSize: number;
  reportCount: number;
  isAbsolute?: boolean;
  isArray?: boolean;
}
export interface HidReportInfo {
  reportId: number;
  items?: HidItemInfo[];
}
export interface HidCollectionInfo {
  usagePage: number;
  usage: number;
  inputReports?: HidReportInfo[];
  outputReports?: HidReportInfo[];
  children?: HidCollectionInfo[];
}

export const TELEPHONY_PAGE = 0x0b;
export const LED_PAGE = 0x08;
/** Telephony page usages (HID Usage Tables, page 0x0B). */
export const TELEPHONY = { hookSwitch: 0x20, flash: 0x21, hold: 0x23, drop: 0x26, phoneMute: 0x2f } as const;
/** LED page usages (page 0x08). */
export const LED = { mute: 0x09, offHook: 0x17, ring: 0x18, hold: 0x20 } as const;

export interface HidField {
  reportId: number;
  /** Bit offset in the report data (without the report id byte). */
  bit: number;
  size: number;
  page: number;
  usage: number;
  /** Absolute (a state: on/off) or relative (a press: 1 when pressed). */
  absolute: boolean;
}

export interface HidLayout {
  inputs: HidField[];
  outputs: HidField[];
  /** Bytes of each output report (devices want the whole report, padding included). */
  outputBytes: Record<number, number>;
}

function fieldsOf(reports: HidReportInfo[] | undefined, sizes: Record<number, number> = {}): HidField[] {
  const fields: HidField[] = [];
  for (const report of reports ?? []) {
    let bit = 0;
    for (const item of report.items ?? []) {
      const usages = item.isRange && item.usageMinimum !== undefined && item.usageMaximum !== undefined
        ? Array.from({ length: item.usageMaximum - item.usageMinimum + 1 }, (_, i) => item.usageMinimum! + i)
        : item.usages ?? [];
      // Array items carry usage indexes, not one bit per usage: not what telephony buttons and LEDs use.
      if (!item.isArray) {
        for (let i = 0; i < item.reportCount && i < usages.length; i++) {
          const extended = usages[i]!;
          fields.push({ reportId: report.reportId, bit: bit + i * item.reportSize, size: item.reportSize, page: extended >>> 16, usage: extended & 0xffff, absolute: item.isAbsolute ?? true });
        }
      }
      bit += item.reportSize * item.reportCount;
    }
    sizes[report.reportId] = Math.max(sizes[report.reportId] ?? 0, Math.ceil(bit / 8));
  }
  return fields;
}

function collect(collections: HidCollectionInfo[], out: HidLayout): HidLayout {
  for (const c of collections) {
    out.inputs.push(...fieldsOf(c.inputReports));
    out.outputs.push(...fieldsOf(c.outputReports, out.outputBytes));
    collect(c.children ?? [], out);
  }
  return out;
}

/** The telephony collections' fields; null when the device has no telephony collection. */
export function telephonyLayout(collections: HidCollectionInfo[]): HidLayout | null {
  const telephony = collections.filter((c) => c.usagePage === TELEPHONY_PAGE);
  if (telephony.length === 0) return null;
  return collect(telephony, { inputs: [], outputs: [], outputBytes: {} });
}

export function readField(data: Uint8Array, field: Pick<HidField, 'bit' | 'size'>): number {
  let value = 0;
  for (let i = 0; i < field.size; i++) {
    const bit = field.bit + i;
    if (((data[bit >> 3] ?? 0) >> (bit & 7)) & 1) value |= 1 << i;
  }
  return value;
}

/** Output reports that set the given LEDs on (1) or off (0); LEDs the device lacks are left out. */
export function ledReports(layout: Pick<HidLayout, 'outputs' | 'outputBytes'>, leds: Partial<Record<number, boolean>>): Array<{ reportId: number; data: Uint8Array }> {
  const byReport = new Map<number, HidField[]>();
  for (const f of layout.outputs) if (f.page === LED_PAGE) byReport.set(f.reportId, [...(byReport.get(f.reportId) ?? []), f]);
  const reports: Array<{ reportId: number; data: Uint8Array }> = [];
  for (const [reportId, fields] of byReport) {
    const bytes = Math.max(layout.outputBytes[reportId] ?? 0, Math.ceil(Math.max(...fields.map((f) => f.bit + f.size)) / 8));
    const data = new Uint8Array(bytes);
    for (const f of fields) if (leds[f.usage]) data[f.bit >> 3]! |= 1 << (f.bit & 7);
    reports.push({ reportId, data });
  }
  return reports;
}
