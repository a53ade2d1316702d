/**
 * Serve a web-standard handler on Node's `node:http`: requests become `Request`s, `Response`s
 * are streamed back (event streams included), and the peer's address is passed on.
 *
 * Every request is answered or its connection closed, and nothing a client sends can stop the
 * process: a request the web-standard `Request` cannot carry (a `Host` that is no host, a target
 * that is no path, the method `TRACE`) is answered here with 400 or 501; whatever the handler
 * throws is logged and answered 500; and a response body that fails after its headers were sent
 * aborts the connection, so the client sees a failed transfer, never a complete-looking one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problem } from './answers.js';
import type { RequestInfo } from './handler.js';

/** A web-standard handler, with `close()` when it has streams of its own to end. */
export type ServedHandler = ((request: Request, info?: RequestInfo) => Promise<Response> | Response) & {
  close?(): void;
};

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where failures the handler did not answer itself are reported (never bodies). */
  readonly log?: (message: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stop accepting connections, end event streams, and wait for open requests to finish. */
  close(): Promise<void>;
}

/** A request refused before it reaches the handler, with the answer it gets. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Methods a web-standard `Request` refuses to carry (Fetch: forbidden methods). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** A `Host`: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The origin a request names: its absolute-form target's, else its `Host` header's (HTTP/1.0
 * may omit it). Refused unless it is one host, well formed, with a port up to 65535.
 */
function originOf(req: IncomingMessage, target: URL | undefined): string {
  if (target !== undefined) return target.origin;
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts++;
  const host = req.headers.host;
  if (hosts > 1) throw new Refused(400, 'bad-host', 'the request carries more than one Host header');
  if (host === undefined) return 'http://localhost';
  let parsed: URL | undefined;
  try {
    parsed = HOST.test(host) ? new URL(`http://${host}`) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) throw new Refused(400, 'bad-host', 'the Host header is not a host name or address');
  return parsed.origin;
}

/**
 * The target as a path and query: origin-form (`/path?query`) or absolute-form (`http://host/path`).
 * Under Express, `originalUrl` is the target as it arrived (`url` lost the router's mount path).
 */
function targetOf(req: IncomingMessage): { readonly path: string; readonly absolute?: URL } {
  const raw = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  if (raw.startsWith('/')) return { path: raw };
  if (/^https?:\/\//i.test(raw)) {
    try {
      const absolute = new URL(raw);
      return { path: `${absolute.pathname}${absolute.search}`, absolute };
    } catch {
      // Refused below.
    }
  }
  throw new Refused(400, 'bad-target', 'the request target is not a path (or an absolute http URL)');
}

/**
 * A request body that is read only when the handler asks. Once the answer is decided (or the
 * handler cancels the body) the rest is drained into nothing: an unread body costs no memory.
 */
/** How long a closing connection keeps dropping what its client still sends. */
const LINGER_MILLIS = 2000;

/**
 * Close a connection whose request body was left unread the way servers "linger": Node closes it
 * right after the answer, and a close while the client still sends makes the kernel reset the
 * connection, which can destroy the answer before the client reads it (a 413 seen as a reset).
 * Instead the answer is followed by the end of our side only; what the client still sends is read
 * and dropped until it ends its side, or for at most `LINGER_MILLIS`.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MILLIS);
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', () => socket.destroy());
    socket.end();
    socket.resume();
  };
}

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

/** The web-standard `Request` of a Node request, or a `Refused` saying why there is none. */
function toRequest(req: IncomingMessage, res: ServerResponse): Request {
  const method = req.method ?? 'GET';
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new Refused(501, 'not-implemented', `this service does not implement ${method}`);
  }
  const target = targetOf(req);
  const url = `${originOf(req, target.absolute)}${target.path}`;
  const headers = new Headers();
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  try {
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else headers.set(name, value);
    }
    const reading = method === 'GET' || method === 'HEAD';
    if (reading) {
      // A read may stream (an event stream, an export): its signal says when the client went
      // away (not when its answer was sent in full). A request with a body learns that from the
      // body itself, which then fails; a signal would only cost it time (undici makes a Request
      // with a signal at twice the cost).
      const abort = new AbortController();
      init.signal = abort.signal;
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
    } else {
      init.body = bodyOf(req, res);
      init.duplex = 'half';
    }
    return new Request(url, init);
  } catch (error) {
    throw new Refused(400, 'bad-request', `the request cannot be read: ${(error as Error).message}`);
  }
}

/**
 * End a response that cannot be finished: what was written is flushed, then the connection is
 * closed without the body's proper end (no last chunk), so the client sees a cut transfer
 * (`curl` exits 18, `fetch` rejects), never a complete-looking one.
 */
function abortResponse(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null || socket.destroyed) res.destroy();
  else socket.end(() => socket.destroy());
}

async function send(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  // A body left unread (refused before reading, or too large) is not waited for: the connection
  // closes after the answer instead of serving as a keep-alive for the rest of that body.
  if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') {
    headers.connection = 'close';
    lingerOnClose(req);
  }
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
      if (res.destroyed) return;
    }
    res.end();
  } finally {
    res.off('close', stop);
  }
}

/**
 * Answer one request. Never rejects: a request that cannot be passed on is answered here, a
 * handler that throws gets 500, and a response that fails once started aborts its connection.
 */
async function respond(
  handler: ServedHandler,
  req: IncomingMessage,
  res: ServerResponse,
  log: (message: string) => void,
): Promise<void> {
  // Errors of a connection that went away are not the process's to die of.
  req.on('error', () => undefined);
  res.on('error', () => undefined);
  const where = () => `${req.method} ${(req.url ?? '').slice(0, 200)}`;
  let response: Response;
  try {
    response = await handler(toRequest(req, res), { remoteAddress: req.socket.remoteAddress });
    if (!(response instanceof Response)) throw new TypeError('the handler did not return a Response');
  } catch (error) {
    if (error instanceof Refused) response = problem(error.status, error.code, error.message);
    else {
      log(`${where()} failed: ${error instanceof Error ? error.message : String(error)}`);
      response = problem(500, 'internal', 'the request failed; see the service log');
    }
  }
  try {
    await send(response, req, res);
  } catch (error) {
    log(`${where()}: the answer could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    // Headers sent: the failure can only be told by aborting the connection.
    if (res.headersSent) abortResponse(res);
    else {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(`${JSON.stringify({ error: 'internal', message: 'the answer could not be made' })}\n`);
    }
  }
}

/**
 * A request and its response as `node:http` gives them (`IncomingMessage`, `ServerResponse`):
 * Express's `req` and `res`, Fastify's `request.raw` and `reply.raw`. Typed loosely here, so the
 * package's types do not need Node's.
 */
export type NodeRequest = object;
export type NodeResponse = object;

/**
 * A Node `(req, res)` listener that serves a web-standard handler, passing the peer's address
 * (`req.socket.remoteAddress`) as `RequestInfo.remoteAddress`: for `node:http`, Express
 * (`app.use(listener)`, before any body parser) and Fastify (`reply.hijack()`, then
 * `listener(request.raw, reply.raw)`). Every request is answered or its connection closed.
 */
export function nodeListener(
  handler: ServedHandler,
  options: ServerOptions = {},
): (req: NodeRequest, res: NodeResponse) => void {
  const log = options.log ?? (() => undefined);
  return (request, response) => {
    const req = request as IncomingMessage;
    const res = response as ServerResponse;
    respond(handler, req, res, log).catch((error: unknown) => {
      log(`a request could not be answered: ${String(error)}`);
      abortResponse(res);
    });
  };
}

/** Serve a handler on a port (0: any free port) and host. */
export function startServer(
  handler: ServedHandler,
  port: number,
  host: string,
  options: ServerOptions = {},
): Promise<RunningServer> {
  // Headers must arrive within 20 s and a whole request within 2 minutes (Node's defaults are
  // 60 s and 5 minutes): a client that trickles bytes holds a connection for no longer.
  const server = createServer({ headersTimeout: 20_000, requestTimeout: 120_000 }, nodeListener(handler, options));
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
            handler.close?.();
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
