/**
 * The Node adapter: whatever a client sends and whatever a handler does, every request is
 * answered (or its connection closed) and the process goes on. A handler that throws gets a 500;
 * a body that fails after its headers were sent aborts the connection, so the client sees a
 * failed transfer and never takes a cut answer for a whole one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/service/server.js';
import { rawHttp, rawRequest, unreadableRequests } from '../support/raw-http.js';

const logged: string[] = [];
let server: RunningServer;

/** A stream that sends one line, then fails. */
const failingLines = (type: string) => {
  let pulls = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('{"first":"line"}\n'));
        else controller.error(new Error('the store went away mid-stream'));
      },
    }),
    { headers: { 'content-type': type } },
  );
};

beforeAll(async () => {
  const routes: Record<string, (request: Request) => Response | Promise<Response>> = {
    '/ok': (request) => Response.json({ url: request.url, method: request.method }),
    '/throws': () => {
      throw new TypeError('a bug in a route');
    },
    '/rejects': () => Promise.reject(new Error('a bug in an async route')),
    '/not-a-response': () => ({ status: 200 }) as unknown as Response,
    '/export': () => failingLines('application/jsonl; charset=utf-8'),
    '/events': () => failingLines('text/event-stream'),
    '/small': () => failingLines('application/json'),
  };
  server = await startServer(
    (request) => {
      const route = routes[new URL(request.url).pathname];
      return route ? route(request) : new Response('no such route', { status: 404 });
    },
    0,
    '127.0.0.1',
    { log: (message) => logged.push(message) },
  );
});
afterAll(() => server.close());

describe('the Node adapter', () => {
  it('answers 500 for a route that throws, rejects or returns no Response, logs it, and keeps serving', async () => {
    for (const path of ['/throws', '/rejects', '/not-a-response', '/small']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(500);
      expect(((await response.json()) as { error: string }).error).toBe('internal');
    }
    expect(logged.join('\n')).toMatch(/a bug in a route/);
    expect(logged.join('\n')).toMatch(/a bug in an async route/);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it('aborts an export or an event stream that fails after it began, so the client sees the failure', async () => {
    for (const path of ['/export', '/events']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      await expect(response.text(), path).rejects.toThrow();
      // The same over a raw socket: the chunked body never gets its closing empty chunk.
      const raw = await rawRequest(server.url, rawHttp(`GET ${path} HTTP/1.1`));
      expect(raw.text).toContain('{"first":"line"}');
      expect(raw.text).not.toMatch(/\r\n0\r\n\r\n$/);
    }
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it('answers requests a web-standard Request cannot carry, before any route sees them', async () => {
    const cases = unreadableRequests('/ok');
    for (const [name, bytes, status] of cases) {
      const answer = await rawRequest(server.url, bytes);
      expect(answer.status, name).toBe(status);
    }
    // An absolute-form target names the origin; a path that starts with `//` stays a path.
    const absolute = await rawRequest(server.url, rawHttp('GET http://example.com:8080/ok?x=1 HTTP/1.1'));
    expect(absolute.text).toContain('"url":"http://example.com:8080/ok?x=1"');
    const slashes = await rawRequest(server.url, rawHttp('GET //evil.example/ok HTTP/1.1', [['Host', 'svc']]));
    expect(slashes.status).toBe(404);
    expect(logged.join('\n')).not.toMatch(/Host|TRACE/);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });
});
