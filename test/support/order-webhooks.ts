/**
 * A generic orders API that confirms orders by webhook, for receive-step tests, on 127.0.0.1 and on a run's
 * VirtualClock: POST /orders places order o-7 and, for each scheduled message, POSTs it to the `notifyUrl` the
 * request carried at its time (an OrderEvent: payload and headers); GET /orders/o-7 reads the order.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from '../../local/clock.ts';

export interface OrderMessage {
  /** Seconds after the order is placed. */
  afterSeconds: number;
  payload: unknown;
  headers?: Record<string, string>;
}

export interface OrderWebhooks {
  baseUrl: string;
  /** The notifyUrl each POST /orders carried. */
  notifyUrls: string[];
  /** The receiver's status for each message sent. */
  answers: number[];
  /** Epoch ms (on the clock) at which each message was sent. */
  sentAt: number[];
  close(): Promise<void>;
}

export async function startOrderWebhooks(clock: VirtualClock, messages: OrderMessage[], orderStatus = 'confirmed'): Promise<OrderWebhooks> {
  const api: OrderWebhooks = { baseUrl: '', notifyUrls: [], answers: [], sentAt: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/orders') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notifyUrl?: string };
        const url = body.notifyUrl ?? '';
        api.notifyUrls.push(url);
        const placedAt = clock.now();
        if (url.startsWith('http://127.0.0.1:')) {
          for (const message of messages) {
            clock.schedule(placedAt + message.afterSeconds * 1000, async () => {
              api.sentAt.push(clock.now());
              const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...message.headers }, body: JSON.stringify(message.payload) });
              api.answers.push(answer.status);
            });
          }
        }
        return send(201, { id: 'o-7', status: 'placed' });
      }
      if (req.method === 'GET' && req.url === '/orders/o-7') return send(200, { id: 'o-7', status: orderStatus });
      send(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return api;
}
