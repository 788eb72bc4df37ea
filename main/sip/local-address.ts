// Which local address reaches the SIP server, as the OS chooses it: a UDP socket "connected" to the server
// sends nothing, but the kernel picks the route and the source address for it, which socket.address() then
// reads. That is the interface a datagram to the server leaves by, so the address the server (and anyone
// it hands our Contact or SDP to) can reach us at, short of a NAT on the way (account.ts learns that one
// from the Via of the REGISTER response).
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** The server's IPv4 address (a name is looked up), or null when it cannot be resolved now. */
export async function resolveIpv4(host: string): Promise<string | null> {
  if (isIP(host) === 4) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    return null;
  }
}

/** The local address of the route to host:port, or null (no route: offline, the name does not resolve). */
export async function routeAddressTo(host: string, port: number): Promise<string | null> {
  const address = await resolveIpv4(host);
  if (address === null) return null;
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<string | null>((resolve) => {
      socket.once('error', () => resolve(null));
      socket.connect(port, address, () => {
        try {
          resolve(socket.address().address);
        } catch {
          resolve(null);
        }
      });
    });
  } finally {
    socket.close();
  }
}

/** Where a response goes (RFC 3261 18.2.2 with RFC 3581): the top Via's received (else sent-by) and rport (else its port, else 5060). */
export function responseDestination(topVia: string): { address: string; port: number } | null {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+([^;:\s]+)(?::(\d+))?\s*(;.*)?$/i.exec(topVia.trim());
  if (!m) return null;
  const params = m[3] ?? '';
  const received = /;\s*received\s*=\s*([^;\s]+)/i.exec(params)?.[1];
  const rport = /;\s*rport\s*=\s*(\d+)/i.exec(params)?.[1];
  const port = Number(rport ?? m[2] ?? 5060);
  return { address: received ?? m[1]!, port };
}

/**
 * A received request's top Via with what the server side of RFC 3261 18.2.1 and RFC 3581 4 adds: `received`
 * when the sent-by host is not the source address (always when rport was asked for), and the rport value.
 * `text` is returned as is when there is nothing to add.
 */
export function stampVia(text: string, source: { address: string; port: number }): string {
  const line = /\r\n(?:Via|v)[ \t]*:[ \t]*([^\r\n,]*)/i.exec(text);
  if (!line) return text;
  const via = line[1]!;
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+([^;:\s]+)/i.exec(via);
  if (!m) return text;
  const wantsRport = /;\s*rport\s*(?=;|$|\s)/i.test(via);
  const hasReceived = /;\s*received\s*=/i.test(via);
  let stamped = via;
  if (wantsRport) stamped = stamped.replace(/;\s*rport\s*(?=;|$|\s)/i, `;rport=${source.port}`);
  if (!hasReceived && (wantsRport || m[1] !== source.address)) stamped += `;received=${source.address}`;
  if (stamped === via) return text;
  const at = line.index + line[0].length - via.length;
  return text.slice(0, at) + stamped + text.slice(at + via.length);
}
