/**
 * A real HTTP server on 127.0.0.1 for tests that exercise fetch end to end: every request is recorded
 * (method, path, query, headers, body) and answered by a replaceable responder.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers one request; may also leave it unanswered or destroy the socket to simulate trouble. */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

export interface TestServer {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  received: ReceivedRequest[];
  /** Replaces the responder for the requests that follow. */
  respondWith(responder: Responder): void;
  /** Answers successive requests with successive responders; the last one repeats. */
  respondInTurn(...responders: Responder[]): void;
  close(): Promise<void>;
}

export async function startTestServer(responder: Responder = (_request, response) => reply(response, 404)): Promise<TestServer> {
  let current = responder;
  const received: ReceivedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: ReceivedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      current(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    respondWith(next) {
      current = next;
    },
    respondInTurn(...responders) {
      let turn = 0;
      current = (request, response) => {
        const next = responders[Math.min(turn, responders.length - 1)];
        turn += 1;
        next(request, response);
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Requests left hanging on purpose (timeouts) would otherwise keep the server open.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A JSON answer (or none when body is undefined), with extra headers. */
export function reply(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): Responder {
  return (_request, response) => reply(response, status, body, headers);
}

/** Never answers: the client's timeout has to end it. */
export const hang: Responder = () => undefined;

/** Drops the connection without an answer. */
export const resetConnection: Responder = (_request, response) => {
  response.socket?.destroy();
};

/** Claims JSON, sends something else. */
export function malformedJson(status = 200): Responder {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end('{"state": "runn');
  };
}

/**
 * One test server for a test file: started before its tests, closed after, its record cleared and its
 * responder reset to `initial` before each test. Read `.current` inside tests.
 */
export function testServerPerFile(hooks: {
  beforeAll: (fn: () => Promise<void>) => void;
  afterAll: (fn: () => Promise<void>) => void;
  beforeEach: (fn: () => void) => void;
}, initial: Responder): { current: TestServer } {
  const holder = {} as { current: TestServer };
  hooks.beforeAll(async () => {
    holder.current = await startTestServer(initial);
  });
  hooks.afterAll(async () => {
    await holder.current.close();
  });
  hooks.beforeEach(() => {
    holder.current.received.length = 0;
    holder.current.respondWith(initial);
  });
  return holder;
}
