// SIP over TLS: like TCP, but the server's certificate must chain to the configured CA (caFile) and
// name the server; anything else is refused with a message that says so.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { StreamTransport } from './tcp-transport.js';

export class TlsTransport extends StreamTransport {
  readonly protocol: string = 'TLS';

  protected open(onReady: () => void): net.Socket {
    const o = this.options;
    let ca: Buffer | undefined;
    if (o.caFile) {
      try {
        ca = fs.readFileSync(o.caFile);
      } catch (error) {
        throw new Error(`SIP TLS: cannot read the CA file ${o.caFile}: ${(error as Error).message}`);
      }
    }
    const servername = o.servername ?? o.host;
    const socket = tls.connect({
      host: o.host,
      port: o.port,
      ...(ca ? { ca } : {}),
      // SNI may not carry an IP address (RFC 6066); the identity check still uses it.
      ...(net.isIP(servername) ? {} : { servername }),
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
      rejectUnauthorized: true,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    socket.once('secureConnect', onReady);
    return socket;
  }

  protected override describeError(error: Error): string {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const certCodes = [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_HAS_EXPIRED',
      'CERT_NOT_YET_VALID',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ];
    if (certCodes.includes(code) || /certificate/i.test(error.message)) {
      return `SIP TLS: the server ${this.options.host}:${this.options.port} presented a certificate that is not trusted (${code || 'verification failed'}: ${error.message}); refusing to connect`;
    }
    return super.describeError(error);
  }
}
