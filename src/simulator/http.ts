/**
 * Serve a web-standard handler on loopback with `node:http`: enough for the fake vendor's API.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running loopback server. */
export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serve `handler` on `host:port` (port 0: any free one). */
export function serveHandler(
  handler: (request: Request) => Promise<Response>,
  port = 0,
  host = '127.0.0.1',
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const method = req.method ?? 'GET';
      const request = new Request(new URL(req.url ?? '/', `http://${host}`), {
        method,
        headers,
        signal: abort.signal,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      handler(request)
        .then(async (response) => {
          const body = Buffer.from(await response.arrayBuffer());
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(body);
        })
        .catch(() => {
          if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
        });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
