/**
 * The little of an AsyncAPI 3.x description this project needs for Arazzo 1.1 `receive` steps: its channels
 * (address, messages, whether the channel is an HTTP webhook) and operations (action, channel, messages), with
 * each message's correlation ID location and declared header names. References are followed only inside the
 * description (`#/...`): a description is read through the file gate and never reaches out further.
 *
 * Synth time only.
 */
import { JSONPointer, type JSONValue } from 'json-p3';
import { ArazzoDocumentError, documentPath } from './errors.ts';
import { isRecord } from './json-values.ts';
import { decodeFragment, decodeFragmentToken } from './pointer-tokens.ts';

export interface AsyncApiMessage {
  /** The message's key where it is declared (channel messages or components.messages). */
  name: string;
  /** Where the message carries its correlation ID (`correlationId.location`), if it declares one. */
  correlation?: MessageLocation;
  /** Header names the message declares (its `headers` schema's properties), lower case. */
  headers: string[];
}

/** An AsyncAPI runtime expression `$message.payload#/a/b` or `$message.header#/name`, taken apart. */
export interface MessageLocation {
  in: 'payload' | 'header';
  /** JSON Pointer into the payload, or into the headers (its first token is the header name). */
  pointer: string;
}

export interface AsyncApiChannel {
  key: string;
  address: string | null;
  messages: AsyncApiMessage[];
  /** Protocols of the servers the channel is on (lower case). */
  protocols: string[];
  /** Undefined when the channel is an HTTP webhook; otherwise why it is not (for refusals). */
  notWebhook?: string;
}

export interface AsyncApiOperation {
  id: string;
  action: 'send' | 'receive';
  channel: AsyncApiChannel;
  /** The operation's messages, or the channel's when it lists none. */
  messages: AsyncApiMessage[];
}

export interface AsyncApiDescription {
  version: string;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
}

const HTTP_PROTOCOLS = new Set(['http', 'https']);
/** `$message.payload#/…` or `$message.header#/…` (AsyncAPI 3 runtime expressions). */
const LOCATION = /^\$message\.(payload|header)#(.*)$/s;

/** Reads a parsed AsyncAPI 3.x document. `where` is the source file, the start of every error location. */
export function readAsyncApi(document: unknown, where: string): AsyncApiDescription {
  if (!isRecord(document)) throw new ArazzoDocumentError(where, 'is not an AsyncAPI description (expected an object)');
  if (typeof document.asyncapi !== 'string' || !/^3\.\d+\.\d/.test(document.asyncapi)) {
    const found = typeof document.asyncapi === 'string' && /^\d+(?:\.\d+){0,2}$/.test(document.asyncapi) ? JSON.stringify(document.asyncapi) : 'no 3.x version';
    throw new ArazzoDocumentError(documentPath(where, 'asyncapi'), `must be an AsyncAPI 3.x version (found ${found}); convert the description to AsyncAPI 3.0`);
  }
  const reader = new Reader(document, where);
  const channels: Record<string, AsyncApiChannel> = {};
  for (const [key, value] of Object.entries(recordAt(document, 'channels'))) {
    channels[key] = reader.channel(key, value, documentPath(where, 'channels', key));
  }
  const operations: Record<string, AsyncApiOperation> = {};
  for (const [id, value] of Object.entries(recordAt(document, 'operations'))) {
    operations[id] = reader.operation(id, value, channels, documentPath(where, 'operations', id));
  }
  return { version: document.asyncapi, channels, operations };
}

/** Parses a correlation ID location; undefined when it is not `$message.payload#…` or `$message.header#…`. */
export function parseMessageLocation(text: string): MessageLocation | undefined {
  const match = LOCATION.exec(text.trim());
  if (!match) return undefined;
  const [, place, pointer] = match;
  try {
    new JSONPointer(pointer);
  } catch {
    return undefined;
  }
  if (place === 'header' && pointer.split('/').filter((token) => token !== '').length === 0) return undefined;
  return { in: place as 'payload' | 'header', pointer };
}

class Reader {
  constructor(
    private readonly document: Record<string, unknown>,
    private readonly file: string,
  ) {}

  /** Follows `$ref` (local only, cycles refused) until a value that is not a reference. */
  // Stryker disable next-line ArrayDeclaration: `seen` holds only refs starting with '#'; any other string in it never matches
  deref(value: unknown, where: string, seen: string[] = []): unknown {
    if (!isRecord(value) || typeof value.$ref !== 'string') return value;
    const ref = value.$ref;
    if (!ref.startsWith('#')) {
      throw new ArazzoDocumentError(documentPath(where, '$ref'), `"${ref}" points outside the description; only references inside it (#/...) are followed — inline what it names`);
    }
    if (seen.includes(ref)) throw new ArazzoDocumentError(documentPath(where, '$ref'), `"${ref}" refers to itself`);
    let target: unknown;
    try {
      target = new JSONPointer(decodeFragment(ref.slice(1))).resolve(this.document as JSONValue);
    } catch {
      throw new ArazzoDocumentError(documentPath(where, '$ref'), `"${ref}" names nothing in the description`);
    }
    return this.deref(target, where, [...seen, ref]);
  }

  channel(key: string, value: unknown, where: string): AsyncApiChannel {
    const channel = this.deref(value, where);
    if (!isRecord(channel)) throw new ArazzoDocumentError(where, 'must be a Channel Object');
    const address = typeof channel.address === 'string' ? channel.address : null;
    const messages = Object.entries(recordOf(channel.messages)).map(([name, message]) =>
      this.message(name, message, documentPath(where, 'messages', name)),
    );
    return { key, address, messages, ...this.webhook(channel, where) };
  }

  operation(id: string, value: unknown, channels: Record<string, AsyncApiChannel>, where: string): AsyncApiOperation {
    const operation = this.deref(value, where);
    if (!isRecord(operation)) throw new ArazzoDocumentError(where, 'must be an Operation Object');
    if (operation.action !== 'send' && operation.action !== 'receive') {
      throw new ArazzoDocumentError(documentPath(where, 'action'), 'must be send or receive');
    }
    const channelRef = isRecord(operation.channel) ? operation.channel.$ref : undefined;
    const channelKey = typeof channelRef === 'string' ? /^#\/channels\/([^/]+)$/.exec(channelRef)?.[1] : undefined;
    const channel = channelKey === undefined ? undefined : channels[decodeFragmentToken(channelKey)];
    if (!channel) {
      throw new ArazzoDocumentError(documentPath(where, 'channel'), 'must be a reference to a channel of this description, e.g. $ref: "#/channels/<name>"');
    }
    const listed = Array.isArray(operation.messages) ? operation.messages : [];
    const messages = listed.map((item, index) => {
      const at = documentPath(where, `messages[${index}]`);
      const name = isRecord(item) && typeof item.$ref === 'string' ? decodeFragmentToken(item.$ref.split('/').pop()!) : `${index}`;
      return this.message(name, item, at);
    });
    // An http binding on the operation says it is a webhook as well as one on the channel does.
    const bound = isRecord(operation.bindings) && operation.bindings.http !== undefined;
    const notWebhook = bound && channel.protocols.length === 0 ? undefined : channel.notWebhook;
    return {
      id,
      action: operation.action,
      channel: { ...channel, notWebhook },
      messages: messages.length > 0 ? messages : channel.messages,
    };
  }

  message(name: string, value: unknown, where: string): AsyncApiMessage {
    const message = this.deref(value, where);
    if (!isRecord(message)) throw new ArazzoDocumentError(where, 'must be a Message Object');
    let correlation: MessageLocation | undefined;
    if (message.correlationId !== undefined) {
      const at = documentPath(where, 'correlationId');
      const object = this.deref(message.correlationId, at);
      const location = isRecord(object) && typeof object.location === 'string' ? object.location : undefined;
      correlation = location === undefined ? undefined : parseMessageLocation(location);
      if (correlation === undefined) {
        throw new ArazzoDocumentError(
          documentPath(at, 'location'),
          'must be a runtime expression $message.payload#/<json-pointer> or $message.header#/<name>, saying where the message carries its correlation ID',
        );
      }
    }
    const headersSchema = this.deref(message.headers, documentPath(where, 'headers'));
    const headers = isRecord(headersSchema) ? Object.keys(recordOf(headersSchema.properties)).map((header) => header.toLowerCase()) : [];
    return { name, ...(correlation ? { correlation } : {}), headers };
  }

  /**
   * An HTTP webhook: every server the channel is on speaks http or https, and it says so (such a server, or an
   * `http` binding on the channel). A channel on Kafka, MQTT, AMQP, WebSockets... cannot call back into a run.
   */
  private webhook(channel: Record<string, unknown>, where: string): Pick<AsyncApiChannel, 'protocols' | 'notWebhook'> {
    const listed = Array.isArray(channel.servers) ? channel.servers : undefined;
    const servers = listed ?? Object.values(recordAt(this.document, 'servers'));
    const protocols = servers.map((server, index) => {
      const resolved = this.deref(server, documentPath(where, `servers[${index}]`));
      return isRecord(resolved) && typeof resolved.protocol === 'string' ? resolved.protocol.toLowerCase() : 'unknown';
    });
    const other = protocols.filter((protocol) => !HTTP_PROTOCOLS.has(protocol));
    if (other.length > 0) {
      return { protocols, notWebhook: `its messages travel over ${[...new Set(other)].join(', ')} (server protocol), not HTTP` };
    }
    const bound = isRecord(channel.bindings) && channel.bindings.http !== undefined;
    if (protocols.length === 0 && !bound) {
      return { protocols, notWebhook: 'it names no server protocol and has no http binding, so nothing says it is an HTTP webhook; add bindings: { http: {} } to the channel' };
    }
    return { protocols };
  }
}

function recordAt(document: Record<string, unknown>, key: string): Record<string, unknown> {
  return recordOf(document[key]);
}

function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

