/**
 * `npm start --document` with the documents that exercise Arazzo 1.1, JSON text payloads, XML and XPath, and
 * workflows that run workflows, as a user runs them: a fresh process against a server on 127.0.0.1, outputs
 * alone on stdout.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { reply, testServerPerFile, type Responder } from './support/http-server.ts';

const document = (name: string) => path.join(projectRoot, 'test/fixtures', name.includes('/') ? name : `spec/${name}`);

const petStore: Responder = (request, response) => {
  if (request.path === '/pet/findByStatus') return reply(response, 200, [{ id: 7, name: 'Rex' }]);
  if (request.path === '/inventory') return reply(response, 200, { available: 12 });
  if (request.path === '/store/order') return reply(response, 200, { id: 'ord-1' });
  if (request.path === '/reports') return reply(response, 201, { id: 'rep-1', ...JSON.parse(request.body) });
  return reply(response, 404, { error: 'no route' });
};

const server = testServerPerFile({ beforeAll, afterAll, beforeEach }, petStore);
const start = (file: string, ...flags: string[]) =>
  runCli('local/run.ts', ['--document', document(file), '--server', `petStore=${server.current.baseUrl}`, '--fast', '--quiet', ...flags]);

describe('npm start --document', () => {
  it('runs an Arazzo 1.1 document ($self, querystring, step timeout)', { timeout: 180_000 }, async () => {
    const result = await start('pet-purchase-1-1.arazzo.yml', '--category', 'dogs');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ firstPetId: 7, available: 12 });
    expect(server.current.received[0].query.get('category')).toBe('dogs');
  });

  it('runs step dependsOn (Arazzo 1.1): two independent steps as Parallel branches, then the step that reads both', { timeout: 180_000 }, async () => {
    const result = await start('pet-parallel-1-1.arazzo.yml', '--status', 'available');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ reportId: 'rep-1', firstPet: 'Rex', available: 12 });
    const received = server.current.received.map((r) => r.path);
    expect(received.slice(0, 2).sort()).toEqual(['/inventory', '/pet/findByStatus']);
    expect(received[2]).toBe('/reports');
    expect(JSON.parse(server.current.received[2].body)).toEqual({ firstPet: 'Rex', available: 12 });
  });

  it('runs the spec\'s JSON text payload, sending the JSON it describes', { timeout: 180_000 }, async () => {
    const result = await start('json-text-payload.arazzo.yml', '--pet_id', '7', '--quantity', '2', '--note', 'Rex');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ orderId: 'ord-1' });
    expect(JSON.parse(server.current.received[0].body)).toMatchObject({ petOrder: { petId: 7, quantity: 2, note: 'for Rex' } });
  });

  it('runs XML payloads and xpath criteria (XPath replacement, escaped values)', { timeout: 180_000 }, async () => {
    server.current.respondWith((request, response) =>
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(request.path === '/store/order' ? '<order><id>o-9</id></order>' : '<inventory><item available="true"/><item available="true"/></inventory>'),
    );
    const result = await start('xml-order.arazzo.yml', '--pet_id', '7', '--note', 'a <b>', '--minimum', '1');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ order: '<order><id>o-9</id></order>' });
    expect(server.current.received[0].body).toContain('<note>a &lt;b&gt;</note>');
    expect(server.current.received[0].body).toContain('<status>placed</status>');
  });

  it('runs a workflow that runs workflows, each a nested execution the progress lines name', { timeout: 180_000 }, async () => {
    const apiKey = 'pk-cli-3f9a-secret';
    server.current.respondWith((request, response) => {
      if (request.headers['x-api-key'] !== apiKey) return reply(response, 401, { error: 'no key' });
      if (request.path === '/pets') return reply(response, 200, [{ id: 7, name: 'Rex' }]);
      if (request.path === '/orders') return reply(response, 201, { id: 'ord-42' });
      if (request.path === '/orders/ord-42/receipt') return reply(response, 200, { total: 120, currency: 'EUR' });
      return reply(response, 404, { error: 'no route' });
    });
    const args = ['--document', document('compose/pet-shop.arazzo.yml'), '--workflow', 'buy-pet', '--server', `pets=${server.current.baseUrl}`, '--fast', '--secret-env', 'apiKey=PET_SHOP_KEY', '--tag', 'dog'];
    const result = await runCli('local/run.ts', args, { PET_SHOP_KEY: apiKey });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ orderId: 'ord-42', total: 120, currency: 'EUR' });
    expect(result.stderr).toMatch(/Run place-order for order {2}nested execution \S+ started/);
    expect(result.stderr).toMatch(/↳ \S+ › place #1 {2}HTTP 201/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(apiKey);
  });

  it("waits what the server's Retry-After says over a longer retryAfter, and takes a 429 the criteria accept as the answer", { timeout: 180_000 }, async () => {
    let inventoryCalls = 0;
    server.current.respondWith((request, response) => {
      if (request.path === '/inventory') return ++inventoryCalls === 1 ? reply(response, 503, { error: 'busy' }, { 'retry-after': '5' }) : reply(response, 200, { available: 3 });
      if (request.path === '/pet/findByStatus') return reply(response, 429, { error: 'slow down' });
      return reply(response, 404, { error: 'no route' });
    });
    const result = await runCli('local/run.ts', ['--document', document('server-says.arazzo.yml'), '--server', `petStore=${server.current.baseUrl}`, '--fast']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ available: 3, findStatus: 429 });
    // The Arazzo retry waited the server's 5 s, not its own 60 s; the accepted 429 was not retried.
    expect(result.stderr).toMatch(/Wait before countInventory {2}5s/);
    expect(server.current.received.filter((r) => r.path === '/pet/findByStatus')).toHaveLength(1);
  });
});
