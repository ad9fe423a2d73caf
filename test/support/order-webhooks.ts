/**
 * A generic orders API that confirms orders by webhook, for receive-step tests, on 127.0.0.1 and on a run's
 * VirtualClock: POST /orders places order o-7 and, for each scheduled message, POSTs it to the `notifyUrl` the
 * request carried at its time (an OrderEvent: payload and headers); GET /orders/o-7 reads the order.
 */
import type { VirtualClock } from '../../local/clock.ts';
import { reply, startTestServer } from './http-server.ts';

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
  close(): Promise<void>;
}

export async function startOrderWebhooks(clock: VirtualClock, messages: OrderMessage[], orderStatus = 'confirmed'): Promise<OrderWebhooks> {
  const notifyUrls: string[] = [];
  const answers: number[] = [];
  const server = await startTestServer((request, response) => {
    if (request.method === 'POST' && request.path === '/orders') {
      const url = (JSON.parse(request.body) as { notifyUrl?: string }).notifyUrl ?? '';
      notifyUrls.push(url);
      const placedAt = clock.now();
      for (const message of url.startsWith('http://127.0.0.1:') ? messages : []) {
        clock.schedule(placedAt + message.afterSeconds * 1000, async () => {
          const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...message.headers }, body: JSON.stringify(message.payload) });
          answers.push(answer.status);
        });
      }
      return reply(response, 201, { id: 'o-7', status: 'placed' });
    }
    if (request.method === 'GET' && request.path === '/orders/o-7') return reply(response, 200, { id: 'o-7', status: orderStatus });
    reply(response, 404, {});
  });
  return { baseUrl: server.baseUrl, notifyUrls, answers, close: () => server.close() };
}
