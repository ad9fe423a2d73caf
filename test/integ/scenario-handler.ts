/**
 * Runs in the integration test stack, invoked by the integ-tests assertion: walks the REST API as a user
 * would, with requests signed by this function's role (SigV4, service execute-api), and returns what it saw
 * for the assertion to compare.
 *
 *   1. POST a valid body with an Idempotency-Key: 202, then GET until the run ends: SUCCEEDED with the outputs.
 *   2. POST a body that breaks the model: 400 whose body is JSON naming the problem.
 *   3. POST again with the first key and another body: 409.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

interface Answer {
  status: number;
  json?: Record<string, unknown>;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) => (typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  reset(): void {}
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const signer = new SignatureV4({
  service: 'execute-api',
  region: process.env.AWS_REGION!,
  sha256: Sha256,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
    sessionToken: process.env.AWS_SESSION_TOKEN,
  },
});

async function call(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const target = new URL(url);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.hostname, ...(text ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(text ? { body: text } : {}),
  });
  const response = await fetch(url, { method, headers: signed.headers, ...(text ? { body: text } : {}) });
  const raw = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, ...(json ? { json } : {}) };
}

export async function handler(event: { executionsUrl: string; runId: string }): Promise<Record<string, unknown>> {
  const key = `integ-${event.runId}`;
  const started = await call('POST', event.executionsUrl, { message: 'hello' }, { 'Idempotency-Key': key });
  let run: Answer = { status: 0 };
  for (let attempt = 0; attempt < 60; attempt++) {
    run = await call('GET', `${event.executionsUrl}/${key}`);
    if (run.json?.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const badBody = await call('POST', event.executionsUrl, { message: 42 });
  const reused = await call('POST', event.executionsUrl, { message: 'another body' }, { 'Idempotency-Key': key });
  return {
    start: { status: started.status, executionId: started.json?.executionId },
    run: { status: run.status, runStatus: run.json?.status, outputs: run.json?.outputs },
    badBody: { status: badBody.status, isJson: badBody.json !== undefined, error: badBody.json?.error, namesField: JSON.stringify(badBody.json ?? {}).includes('message') },
    reusedKey: { status: reused.status, error: reused.json?.error },
  };
}
