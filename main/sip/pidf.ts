// PIDF (RFC 3863) documents: what a presence NOTIFY carries and what our PUBLISH sends.
import { XMLParser } from 'fast-xml-parser';
import type { OwnPresence } from '../../shared/domain.js';

const xml = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@' });

export interface PidfStatus {
  entity: string | null;
  /** true = some tuple is open; false = all closed; null = no basic status in the document. */
  online: boolean | null;
  note: string | null;
}

/** Parse a PIDF document (application/pidf+xml). Never throws: garbage gives null. */
export function parsePidf(body: string | undefined | null): PidfStatus | null {
  if (!body || !body.includes('<')) return null;
  let doc: Record<string, unknown>;
  try {
    doc = xml.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  const presence = doc['presence'] as Record<string, unknown> | undefined;
  if (!presence || typeof presence !== 'object') return null;
  const entity = typeof presence['@entity'] === 'string' ? (presence['@entity'] as string) : null;
  const tuples = ([] as unknown[]).concat(presence['tuple'] ?? []);
  let sawStatus = false;
  let open = false;
  for (const t of tuples) {
    const status = (t as Record<string, unknown> | null)?.['status'] as Record<string, unknown> | undefined;
    const basic = status?.['basic'];
    if (typeof basic === 'string') {
      sawStatus = true;
      if (basic.trim().toLowerCase() === 'open') open = true;
    }
  }
  const noteOf = (n: unknown): string | null =>
    typeof n === 'string' ? n : n && typeof n === 'object' && typeof (n as Record<string, unknown>)['#text'] === 'string' ? ((n as Record<string, unknown>)['#text'] as string) : null;
  let note = noteOf(presence['note']);
  if (note === null) {
    for (const t of tuples) {
      note = noteOf((t as Record<string, unknown> | null)?.['note']);
      if (note !== null) break;
    }
  }
  // A person "away" (RPID, RFC 4480; what we publish for a break) is not online even while a tuple is open:
  // the server adds an open tuple of its own for every registered phone (Kamailio's pua_usrloc), and the
  // person's own word is the more precise one.
  const persons = ([] as unknown[]).concat(presence['person'] ?? []);
  const away = persons.some((p) => {
    const activities = (p as Record<string, unknown> | null)?.['activities'];
    return activities !== null && typeof activities === 'object' && 'away' in (activities as Record<string, unknown>);
  });
  return { entity, online: sawStatus ? open && !away : null, note };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

export function buildPidf(entity: string, presence: OwnPresence): string {
  const basic = presence === 'online' ? 'open' : 'closed';
  const note = presence === 'online' ? 'Online' : presence === 'break' ? 'Away' : 'Offline';
  const rpid = presence === 'break' ? '<dm:person id="p1"><rpid:activities><rpid:away/></rpid:activities></dm:person>' : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${escapeXml(entity)}">` +
    `<tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple>${rpid}</presence>\n`
  );
}
