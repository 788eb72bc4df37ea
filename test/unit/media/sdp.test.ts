import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { answerDirection, buildAnswer, buildOffer, negotiateAnswer, parseAudio, resultingLocalDirection, SdpError } from '../../../main/media/sdp.js';

const local = { address: '192.0.2.10', port: 40000, sessionId: '12345', sessionVersion: 1 };

function remoteOffer(opts: { payloads?: string; extra?: string; direction?: string; address?: string; video?: boolean } = {}): string {
  const lines = [
    'v=0',
    'o=- 777 1 IN IP4 198.51.100.7',
    's=baresip',
    `c=IN IP4 ${opts.address ?? '198.51.100.7'}`,
    't=0 0',
    `m=audio 5004 RTP/AVP ${opts.payloads ?? '8 0 96'}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:96 telephone-event/8000',
    'a=fmtp:96 0-15',
    ...(opts.extra ? [opts.extra] : []),
    ...(opts.direction ? [`a=${opts.direction}`] : []),
    ...(opts.video ? ['m=video 5006 RTP/AVP 97', 'a=rtpmap:97 H264/90000'] : []),
  ];
  return lines.join('\r\n') + '\r\n';
}

describe('SDP offer', () => {
  it('has one audio m-line with PCMU, PCMA, telephone-event 101, ptime 20, our address and direction', () => {
    const sdp = buildOffer(local, 'sendrecv');
    const s = sdpTransform.parse(sdp);
    expect(s.connection?.ip).toBe('192.0.2.10');
    expect(s.origin?.sessionId).toBe(12345);
    expect(s.media).toHaveLength(1);
    const m = s.media[0]!;
    expect(m).toMatchObject({ type: 'audio', port: 40000, protocol: 'RTP/AVP', payloads: '0 8 101', ptime: 20, direction: 'sendrecv' });
    expect(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`)).toEqual(['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000']);
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(sdp).toContain('\r\na=sendrecv\r\n');
  });

  it('hold offers sendonly', () => {
    expect(buildOffer(local, 'sendonly')).toContain('a=sendonly');
  });
});

describe('SDP answer', () => {
  it('takes the first codec of the remote offer that we support and echoes its telephone-event type', () => {
    const a = buildAnswer(local, remoteOffer(), false);
    expect(a.negotiated).toMatchObject({
      codec: { name: 'PCMA', payloadType: 8 },
      dtmfPayloadType: 96,
      remoteAddress: '198.51.100.7',
      remotePort: 5004,
      remoteRtcpPort: 5005,
      remoteDirection: 'sendrecv',
      localDirection: 'sendrecv',
    });
    const m = sdpTransform.parse(a.sdp).media[0]!;
    expect(m.payloads).toBe('8 96');
    expect(m.port).toBe(40000);
    expect(m.direction).toBe('sendrecv');
  });

  it('PCMU first in the offer -> PCMU; static payload types without rtpmap are understood', () => {
    const offer = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0 8\r\n';
    const a = buildAnswer(local, offer, false);
    expect(a.negotiated.codec.name).toBe('PCMU');
    expect(a.negotiated.dtmfPayloadType).toBeNull();
  });

  it('directions: sendonly -> recvonly, inactive -> inactive, recvonly -> sendonly; our hold -> sendonly/inactive', () => {
    expect(buildAnswer(local, remoteOffer({ direction: 'sendonly' }), false).negotiated).toMatchObject({ remoteDirection: 'sendonly', localDirection: 'recvonly' });
    expect(buildAnswer(local, remoteOffer({ direction: 'inactive' }), false).negotiated.localDirection).toBe('inactive');
    expect(buildAnswer(local, remoteOffer({ direction: 'recvonly' }), false).negotiated.localDirection).toBe('sendonly');
    expect(answerDirection('sendrecv', true)).toBe('sendonly');
    expect(answerDirection('sendonly', true)).toBe('inactive');
    expect(buildAnswer(local, remoteOffer({ direction: 'sendonly' }), false).sdp).toContain('a=recvonly');
  });

  it('old-style hold (c=0.0.0.0) counts as inactive', () => {
    expect(parseAudio(remoteOffer({ address: '0.0.0.0' })).direction).toBe('inactive');
  });

  it('rejects other m-lines with port 0 and keeps their count', () => {
    const a = buildAnswer(local, remoteOffer({ video: true }), false);
    const media = sdpTransform.parse(a.sdp).media;
    expect(media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 40000],
      ['video', 0],
    ]);
  });

  it('no common codec / SRTP only -> SdpError 488', () => {
    expect(() => buildAnswer(local, remoteOffer({ payloads: '9 96', extra: 'a=rtpmap:9 G722/8000' }), false)).toThrow(SdpError);
    const srtp = remoteOffer().replace('RTP/AVP', 'RTP/SAVP');
    try {
      buildAnswer(local, srtp, false);
      expect.fail('should throw');
    } catch (e) {
      expect((e as SdpError).statusCode).toBe(488);
    }
  });

  it('reads a=rtcp', () => {
    expect(parseAudio(remoteOffer({ extra: 'a=rtcp:6000' })).rtcpPort).toBe(6000);
  });
});

describe('answer to our offer', () => {
  it('the far end answering recvonly/inactive to our sendrecv: remote direction is what it said', () => {
    const answer = (dir: string) => remoteOffer({ payloads: '0 96', direction: dir });
    expect(negotiateAnswer('sendrecv', answer('sendonly')).negotiated).toMatchObject({ remoteDirection: 'sendonly', localDirection: 'recvonly', codec: { name: 'PCMU' } });
    expect(negotiateAnswer('sendonly', answer('recvonly')).negotiated.localDirection).toBe('sendonly');
    expect(negotiateAnswer('sendrecv', answer('inactive')).negotiated.localDirection).toBe('inactive');
    expect(resultingLocalDirection('sendonly', 'sendrecv')).toBe('sendonly');
  });
});
