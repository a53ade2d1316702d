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

/** A raw request and the status it must get (`closed`: the connection is closed unanswered). */
export type RawCase = readonly [name: string, bytes: Buffer, answer: number | 'closed'];

/**
 * Requests a web-standard `Request` cannot carry (hosts the URL parser refuses, targets that are
 * no path, a forbidden method), to `path`: each must be answered, before any route sees it.
 */
export function unreadableRequests(path: string): RawCase[] {
  const get = (host: string) => rawHttp(`GET ${path} HTTP/1.1`, [['Host', host]]);
  return [
    ['a Host with a space', get('a b'), 400],
    ['an empty Host', get(''), 400],
    ['a Host of one bracket', get('['), 400],
    ['a Host with port 99999', get('x:99999'), 400],
    ['a Host in Latin-1', get('\u00e9\u00ff'), 400],
    [
      'two Hosts',
      rawHttp(`GET ${path} HTTP/1.1`, [
        ['Host', 'a'],
        ['Host', 'b'],
      ]),
      400,
    ],
    ['an absolute target with a bad host', rawHttp(`GET http://a%zz${path} HTTP/1.1`), 400],
    ['an absolute target with a space in its host', rawHttp(`GET http://a b${path} HTTP/1.1`), 400],
    ['an absolute target with a port over 65535', rawHttp(`GET http://a:70000${path} HTTP/1.1`), 400],
    ['an asterisk target', rawHttp('OPTIONS * HTTP/1.1'), 400],
    ['TRACE', rawHttp(`TRACE ${path} HTTP/1.1`), 501],
  ];
}
