/**
 * What the compiler takes from an OpenAPI source description: which versions it reads, the operations it lists
 * (method, path, operationId, server base URL) and the operationPath pointers it accepts. Each test hands
 * openApiOperations / operationAtPointer the description it describes; no file is read.
 */
import { describe, expect, it } from 'vitest';
import { openApiOperations, operationAtPointer } from '../../lib/arazzo/openapi.ts';
import { documentError } from '../support/document-variant.ts';

const WHERE = 'specs/api.yml';

/** A description with the given fields over a minimal OpenAPI 3.0 one. */
const description = (fields: Record<string, unknown>): Record<string, unknown> => ({ openapi: '3.0.3', info: { title: 'API', version: '1' }, paths: {}, ...fields });

/** The server base URL the one operation (GET /x) of a description with these servers gets. */
const serverUrlOf = (servers: unknown): string => {
  const [operation] = openApiOperations(description({ servers, paths: { '/x': { get: {} } } }), 'api', WHERE);
  return operation.serverUrl;
};

/** The message of the ArazzoDocumentError `run` throws. */
const refusal = (run: () => unknown): string => documentError(run).message;

describe('an OpenAPI description', () => {
  it('is read for every 3.x.y version, whatever the minor number', () => {
    for (const openapi of ['3.0.0', '3.1.0', '3.10.2']) {
      expect(openApiOperations(description({ openapi, paths: { '/x': { get: {} } } }), 'api', WHERE)).toHaveLength(1);
    }
  });

  it('is refused at its openapi field when the version is not 3.x.y, even if 3.x.y appears inside it', () => {
    for (const openapi of ['13.0.0', 'v3.0.0', '2.0']) {
      expect(refusal(() => openApiOperations(description({ openapi }), 'api', WHERE))).toMatch(
        /^specs\/api\.yml › openapi: must be an OpenAPI 3\.x version \(found .+\); convert the description to OpenAPI 3\.0 or 3\.1$/,
      );
    }
    const { openapi: _openapi, ...swagger } = description({ swagger: '2.0' });
    expect(refusal(() => openApiOperations(swagger, 'api', WHERE))).toBe(
      'specs/api.yml › openapi: must be an OpenAPI 3.x version (found Swagger "2.0"); convert the description to OpenAPI 3.0 or 3.1',
    );
  });

  it('lists the operations of its path items and skips entries that are not path items', () => {
    const paths = { '/empty': null, '/text': 'not a path item', '/pets': { get: { operationId: 'listPets' }, post: {} } };
    expect(openApiOperations(description({ paths }), 'api', WHERE)).toStrictEqual([
      { sourceDescription: 'api', operationId: 'listPets', method: 'GET', path: '/pets', serverUrl: '' },
      { sourceDescription: 'api', method: 'POST', path: '/pets', serverUrl: '' },
    ]);
  });

  it('gives an operation without an operationId no operationId at all', () => {
    const [operation] = openApiOperations(description({ paths: { '/pets': { get: { operationId: 7 } } } }), 'api', WHERE);
    expect(Object.keys(operation)).not.toContain('operationId');
  });
});

describe("an operation's server base URL", () => {
  it('is the first server URL without any trailing slashes', () => {
    expect(serverUrlOf([{ url: 'https://api.example.test/v1//' }, { url: 'https://other.example.test' }])).toBe('https://api.example.test/v1');
  });

  it('fills each server variable with its default, and leaves a variable without a string default as written', () => {
    const variables = { region: { default: 'eu' }, tier: { enum: ['a', 'b'] }, port: { default: 8443 }, odd: 'not an object' };
    expect(serverUrlOf([{ url: 'https://{region}.example.test:{port}/{tier}/{odd}/{missing}', variables }])).toBe(
      'https://eu.example.test:{port}/{tier}/{odd}/{missing}',
    );
  });

  it('is empty, for the deployment to supply, when the first server has no URL or there is no server', () => {
    expect(serverUrlOf([{ description: 'a server without a url' }, { url: 'https://second.example.test' }])).toBe('');
    expect(serverUrlOf([])).toBe('');
    expect(serverUrlOf(['https://not-an-object.example.test'])).toBe('');
  });
});

describe('an operationPath pointer', () => {
  const EXAMPLE = 'e.g. #/paths/~1pets~1{petId}/get (each "/" in the path written ~1)';
  const document = description({ components: { pets: { get: {} } }, paths: { '/pets': { get: {} } } });
  const operations = openApiOperations(document, 'api', WHERE);

  it('names an operation by /paths/<path>/<method>', () => {
    expect(operationAtPointer(document, '/paths/~1pets/get', operations)).toMatchObject({ method: 'GET', path: '/pets' });
  });

  it('of any other shape is refused with an example, even when it names something in the description', () => {
    for (const pointer of ['/paths/~1pets', '/components/pets/get', '/paths/~1pets/get/responses']) {
      expect(operationAtPointer(document, pointer, operations)).toBe(`the pointer "#${pointer}" must name an operation as /paths/<path>/<method>, ${EXAMPLE}`);
    }
  });
});
