import { describe, expect, it } from 'vitest';
import { buildPidf, parsePidf } from '../../../main/sip/presence.js';

describe('PIDF', () => {
  it('parses open / closed', () => {
    const open = `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:3001@127.0.0.1">
      <tuple id="a"><status><basic>open</basic></status><note>Online</note></tuple></presence>`;
    expect(parsePidf(open)).toEqual({ entity: 'sip:3001@127.0.0.1', online: true, note: 'Online' });
    const closed = open.replace('open', 'closed');
    expect(parsePidf(closed)?.online).toBe(false);
  });
  it('any open tuple means online; namespaced prefixes work', () => {
    const doc = `<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" entity="pres:x@y">
      <p:tuple id="1"><p:status><p:basic>closed</p:basic></p:status></p:tuple>
      <p:tuple id="2"><p:status><p:basic> open </p:basic></p:status></p:tuple></p:presence>`;
    expect(parsePidf(doc)?.online).toBe(true);
  });
  it("a person away is not online, even beside the registrar's open tuple", () => {
    const doc = `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
      xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:3001@127.0.0.1">
      <tuple id="registrar"><status><basic>open</basic></status></tuple>
      <tuple id="t1"><status><basic>closed</basic></status><note>Away</note></tuple>
      <dm:person id="p1"><rpid:activities><rpid:away/></rpid:activities></dm:person></presence>`;
    expect(parsePidf(doc)?.online).toBe(false);
    expect(parsePidf(doc.replace('<rpid:away/>', '<rpid:on-the-phone/>'))?.online).toBe(true);
  });
  it('no status -> online null; garbage -> null', () => {
    expect(parsePidf('<presence entity="sip:a@b"><tuple id="t"/></presence>')?.online).toBeNull();
    expect(parsePidf('not xml')).toBeNull();
    expect(parsePidf('<<<>>>')).toBeNull();
    expect(parsePidf('')).toBeNull();
    expect(parsePidf('<other/>')).toBeNull();
  });
  it('what we publish reads back', () => {
    expect(parsePidf(buildPidf('sip:3001@127.0.0.1', 'online'))).toMatchObject({ online: true, entity: 'sip:3001@127.0.0.1' });
    expect(parsePidf(buildPidf('sip:3001@127.0.0.1', 'break'))).toMatchObject({ online: false, note: 'Away' });
    expect(parsePidf(buildPidf('sip:"<&>"@x', 'offline'))?.entity).toBe('sip:"<&>"@x');
  });
});
