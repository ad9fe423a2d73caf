/**
 * A generic webhook API for callback tests, on 127.0.0.1 and on a run's VirtualClock: POST /renders starts a job
 * that is done `jobSeconds` later and calls back the URL the request carried at `notify.url` (after `delayMs`,
 * `copies` times, or never when `lost`); GET /renders/{id} says rendering or done.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import type { VirtualClock } from '../../local/clock.ts';

export interface CallbackDelivery {
  /** After the job is done; negative: before (an early callback, which the poll then contradicts). */
  delayMs?: number;
  copies?: number;
  lost?: boolean;
  /** Milliseconds after the callback at which the same URL is called again (a replay). */
  replaysAfterMs?: number[];
}

export interface RenderFarm {
  baseUrl: string;
  /** Callback URLs the starts carried, in order. */
  callbackUrls: string[];
  /** Answers of the receiver to each callback sent. */
  callbackAnswers: number[];
  gets: number;
  /** When the job finished, on the clock (epoch ms). */
  doneAt?: number;
  close(): Promise<void>;
}

export const RENDER_CALLBACKS: NonNullable<CompileOptions['callbacks']> = {
  url: { step: 'startRender', in: 'body', name: '/notify/url' },
  wakes: 'checkRender',
};

export async function startRenderFarm(clock: VirtualClock, jobSeconds: number, delivery: CallbackDelivery = {}): Promise<RenderFarm> {
  const farm: RenderFarm = { baseUrl: '', callbackUrls: [], callbackAnswers: [], gets: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/renders') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notify?: { url?: string } };
        const url = body.notify?.url ?? '';
        farm.callbackUrls.push(url);
        farm.doneAt = clock.now() + jobSeconds * 1000;
        if (!delivery.lost && url.startsWith('http://127.0.0.1:')) {
          const sendAt = farm.doneAt + (delivery.delayMs ?? 0);
          const times = [...Array.from({ length: delivery.copies ?? 1 }, () => sendAt), ...(delivery.replaysAfterMs ?? []).map((after) => sendAt + after)];
          for (const at of times) {
            clock.schedule(at, async () => {
              const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'r1', state: 'done' }) });
              farm.callbackAnswers.push(answer.status);
            });
          }
        }
        return send(202, { id: 'r1', state: 'rendering', notify: body.notify });
      }
      if (req.method === 'GET' && req.url === '/renders/r1') {
        farm.gets += 1;
        return send(200, { id: 'r1', state: farm.doneAt !== undefined && clock.now() >= farm.doneAt ? 'done' : 'rendering', frames: 3 });
      }
      send(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  farm.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  farm.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return farm;
}
