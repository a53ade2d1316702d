/**
 * Serve the web-standard handler on Node's `node:http`: requests become `Request`s, `Response`s
 * are streamed back (event streams included), and the peer's address is passed on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookHandler } from './handler.js';

/** A running server. */
export interface RunningServer {
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stop accepting connections, end event streams, and wait for open requests to finish. */
  close(): Promise<void>;
}

/**
 * A request body that is read only when the handler asks. Once the answer is decided (or the
 * handler cancels the body) the rest is drained into nothing: an unread body costs no memory.
 */
function bodyOf(req: IncomingMessage, res: ServerResponse): ReadableStream<Uint8Array> {
  let done = false;
  const discard = () => {
    done = true;
    req.resume();
  };
  res.once('finish', discard);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on('end', () => {
          if (!done) controller.close();
          done = true;
        });
        req.on('error', (error) => {
          if (!done) controller.error(error);
          done = true;
        });
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        discard();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function toRequest(req: IncomingMessage, res: ServerResponse): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: abort.signal };
  if (hasBody) {
    init.body = bodyOf(req, res);
    init.duplex = 'half';
  }
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), init);
}

async function send(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  // A body left unread (refused before reading, or too large) is not waited for: the connection
  // closes after the answer instead of serving as a keep-alive for the rest of that body.
  if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') headers.connection = 'close';
  if (response.body === null) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream') && !type.startsWith('application/jsonl')) {
    // A small answer goes out in one write: headers and body in one packet.
    const body = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(body.byteLength);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders();
  const reader = response.body.getReader();
  const stop = () => {
    reader.cancel().catch(() => undefined);
  };
  res.on('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) break;
    }
  } finally {
    res.off('close', stop);
    res.end();
  }
}

/** Serve a handler on a port (0: any free port) and host. */
export function startServer(handler: WebhookHandler, port: number, host: string): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const request = toRequest(req, res);
    handler(request, { remoteAddress: req.socket.remoteAddress })
      .then((response) => send(response, req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shown}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            handler.close();
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
