// The device list read from `pactl list sinks|sources` as text, not `pactl --format=json`: pactl 16's JSON
// encoder (pa_json_escape) refuses every byte above 0x7E and prints the string as "(null)", so a
// description in Russian ("Гарнитура") or with any non-ASCII letter came out as "(null)" (pactl < 16 has
// no JSON at all). The text list carries the proplist's UTF-8 as it is and exists in every pactl version.
// Its headings are translated: pactl runs with LC_ALL=C (PulseCliAudio.pactl), so they are English.

/** One sink or source, as much of it as the device list needs. */
export interface PactlDevice {
  name: string;
  description?: string;
  /** For a source: the sink it monitors (absent, or "n/a", for a real source). */
  monitorOfSink?: string;
  /** Its properties (device.class, device.description, ...), values unquoted. */
  properties: Record<string, string>;
}

/** A device's heading line ("Sink #3", "Source #0"): it starts a block. */
const HEADING = /^(Sink|Source) #\d+\s*$/;
/** A field of the block: one tab, a name, a colon ("\tName: spk"). */
const FIELD = /^\t([A-Za-z][A-Za-z ]*): ?(.*)$/;
/** A property inside "Properties:": two tabs, key = "value". */
const PROPERTY = /^\t\t([\w.-]+) = "(.*)"$/;

/** Parse the text of `LC_ALL=C pactl list sinks` (or sources). Blocks without a Name are dropped. */
export function parsePactlList(text: string): PactlDevice[] {
  const devices: PactlDevice[] = [];
  let current: PactlDevice | null = null;
  let section = '';
  const flush = (): void => {
    if (current && current.name !== '') devices.push(current);
    current = null;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (HEADING.test(line)) {
      flush();
      current = { name: '', properties: {} };
      section = '';
      continue;
    }
    if (!current) continue;
    const property = PROPERTY.exec(line);
    if (property && section === 'Properties') {
      current.properties[property[1]!] = unescapeProplistValue(property[2]!);
      continue;
    }
    const field = FIELD.exec(line);
    if (!field) continue;
    section = field[1]!;
    const value = field[2]!;
    if (section === 'Name') current.name = value.trim();
    else if (section === 'Description' && value !== '' && value !== '(null)') current.description = value;
    else if (section === 'Monitor of Sink') current.monitorOfSink = value.trim();
  }
  flush();
  for (const d of devices) {
    const fromProps = d.properties['device.description'];
    if (d.description === undefined && fromProps !== undefined && fromProps !== '') d.description = fromProps;
  }
  return devices;
}

/** pa_proplist_to_string writes a value's " and \ with a backslash before them. */
function unescapeProplistValue(value: string): string {
  return value.replace(/\\(["\\])/g, '$1');
}
