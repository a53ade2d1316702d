/**
 * HTTP as a hostile client writes it: raw bytes on a socket, so requests that no HTTP client
 * library would send (two Hosts, a forbidden method, a smuggling shape) can be sent, and the
 * answer read as it comes, or the closed connection noticed.
 */
import { connect } from 'node:net';

/** What came back for one raw request. */
export interface RawAnswer {
  /** The status of the first answer, or `undefined` when the connection closed without one. */
  readonly status: number | undefined;
  /** Everything received, as latin1 text. */
  readonly text: string;
}

/** Send `bytes` to `url`'s host and port, half-close, and read until the server closes or `waitMs` passes. */
export function rawRequest(url: string, bytes: string | Buffer, waitMs = 5000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text });
    };
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.end(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

/** A raw request: a request line, headers (`Host` first unless given), and a body. */
export function rawHttp(
  requestLine: string,
  headers: readonly (readonly [string, string])[] = [],
  body: string | Buffer = '',
): Buffer {
  const hasHost = headers.some(([name]) => name.toLowerCase() === 'host');
  const lines = [requestLine, ...(hasHost ? [] : ['Host: localhost']), ...headers.map(([n, v]) => `${n}: ${v}`)];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body)]);
}
