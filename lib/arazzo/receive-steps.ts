/**
 * Arazzo 1.1 AsyncAPI steps. A step with `action: receive` on an HTTP webhook channel of an `asyncapi` source
 * description waits durably for one message (see lib/compile/receive-step.ts); `action: send`, and a channel
 * that is not an HTTP webhook, are refused here, naming the field and what to write instead.
 *
 * Synth time only.
 */
import type { AsyncApiChannel, AsyncApiMessage, MessageLocation } from './asyncapi.ts';
import { ArazzoDocumentError, documentPath } from './errors.ts';
import { parseExpression } from './expressions.ts';
import type { LoadedArazzo, LoadedSource } from './load.ts';
import { listOrNone, stepLocation } from './lookups.ts';
import type { Step, Workflow } from './types.ts';
import { decodeFragmentToken } from './pointer-tokens.ts';

/** What a receive step waits for. */
export interface ReceiveTarget {
  source: string;
  /** The AsyncAPI operation, when the step names one (operationId, operationPath); absent for a channelPath. */
  operationId?: string;
  channel: AsyncApiChannel;
  messages: AsyncApiMessage[];
  /** Where a message carries its correlation ID (the same for every message of the channel), if declared. */
  correlation?: MessageLocation;
  /** Header names any of the messages declares, lower case: the only headers `$message.header.<name>` can read. */
  headers: string[];
}

const SEND_REFUSAL =
  'action send (publishing an AsyncAPI message) is not supported: this runner waits for messages (action: receive on an HTTP webhook) but publishes none; call the API through an OpenAPI operation instead';

const STRAY_CORRELATION_ID =
  'only a receive step (action: receive on an AsyncAPI operation or channel) matches a message by its correlationId; this step receives none, so remove it';

/** Whether the step is an AsyncAPI step: it says action/channelPath/correlationId, or names an operation of an asyncapi source. */
export function isAsyncApiStep(loaded: LoadedArazzo, step: Step): boolean {
  return step.correlationId !== undefined || isMessageStep(loaded, step);
}

/**
 * Whether the step sends or receives a message: an AsyncAPI step other than an API call (or a workflow step) that
 * merely carries a correlationId, which is refused on its own and checked otherwise as the call it is.
 */
export function isMessageStep(loaded: LoadedArazzo, step: Step): boolean {
  if (step.action !== undefined || step.channelPath !== undefined) return true;
  return asyncApiSourceNamed(loaded, step) !== undefined;
}

/** A receive step (the only AsyncAPI steps that compile). */
export function isReceiveStep(step: Step): boolean {
  return step.action === 'receive';
}

function asyncApiSourceNamed(loaded: LoadedArazzo, step: Step): { source: LoadedSource; field: 'operationId' | 'operationPath' } | undefined {
  // Stryker disable next-line ConditionalExpression: exec reads an absent operationId as the text "undefined", which does not match (load refuses one that is not a string)
  const qualified = typeof step.operationId === 'string' ? /^\$sourceDescriptions\.([^.]+)\./.exec(step.operationId) : null;
  // Stryker disable next-line ConditionalExpression: exec reads an absent operationPath as the text "undefined", which does not match (load refuses one that is not a string)
  const viaPath = typeof step.operationPath === 'string' ? /^\{?\$sourceDescriptions\.([^.}]+)[.}]/.exec(step.operationPath) : null;
  for (const [match, field] of [[qualified, 'operationId'], [viaPath, 'operationPath']] as const) {
    const source = match ? loaded.sources[match[1]] : undefined;
    if (source?.type === 'asyncapi') return { source, field };
  }
  return undefined;
}

/**
 * Every problem of an AsyncAPI step, each at its field: send refused, receive fields checked, the channel it
 * waits on resolved and required to be an HTTP webhook.
 */
export function checkAsyncApiStep(loaded: LoadedArazzo, workflow: Workflow, step: Step, report: (location: string, message: string) => void): void {
  const at = stepLocation(loaded, workflow, step);
  if (step.action === 'send') {
    report(documentPath(at, 'action'), SEND_REFUSAL);
    return;
  }
  if (!isMessageStep(loaded, step)) {
    report(documentPath(at, 'correlationId'), STRAY_CORRELATION_ID);
    return;
  }
  if (step.action === undefined) {
    // isMessageStep holds: the step says channelPath, or names an asyncapi source (and may say correlationId too).
    const field = step.channelPath !== undefined ? 'channelPath' : step.correlationId !== undefined ? 'correlationId' : asyncApiSourceNamed(loaded, step)!.field;
    report(documentPath(at, field), 'an AsyncAPI step needs action: receive (wait for a message on an HTTP webhook); action send is not supported');
    return;
  }
  for (const field of ['parameters', 'requestBody'] as const) {
    if (step[field] !== undefined) report(documentPath(at, field), 'a receive step sends nothing, so it takes no parameters or requestBody; remove it');
  }
  const target = attempt(() => resolveReceiveTarget(loaded, workflow, step), report);
  if (!target) return;
  if (step.correlationId !== undefined && target.correlation === undefined) {
    report(
      documentPath(at, 'correlationId'),
      `the messages of channel ${target.channel.key} in ${target.source} declare no correlationId.location, so no message can be matched to it; declare correlationId: { location: $message.payload#/<pointer> } on the message, or remove correlationId`,
    );
  }
}

/** The channel a receive step waits on, its messages and their correlation ID location. Throws ArazzoDocumentError. */
export function resolveReceiveTarget(loaded: LoadedArazzo, workflow: Workflow, step: Step): ReceiveTarget {
  const at = stepLocation(loaded, workflow, step);
  const found = findChannel(loaded, step, at);
  const { channel } = found;
  if (channel.notWebhook !== undefined) {
    throw new ArazzoDocumentError(
      documentPath(at, found.field),
      `channel ${channel.key} of ${found.source.name} is not an HTTP webhook: ${channel.notWebhook}. Only a message POSTed to this deployment's callback route can wake a run`,
    );
  }
  const messages = found.messages;
  const locations = [...new Set(messages.map((message) => (message.correlation ? `$message.${message.correlation.in}#${message.correlation.pointer}` : '')))];
  if (locations.length > 1 && step.correlationId !== undefined) {
    throw new ArazzoDocumentError(
      documentPath(at, 'correlationId'),
      `the messages of channel ${channel.key} carry their correlation ID in different places (${locations.map((l) => l || 'none').join(', ')}); give them one correlationId.location`,
    );
  }
  const correlation = messages.find((message) => message.correlation)?.correlation;
  return {
    source: found.source.name,
    ...(found.operationId !== undefined ? { operationId: found.operationId } : {}),
    channel,
    messages,
    ...(correlation && locations.length === 1 ? { correlation } : {}),
    headers: [...new Set(messages.flatMap((message) => message.headers))],
  };
}

interface FoundChannel {
  source: LoadedSource;
  field: 'operationId' | 'operationPath' | 'channelPath';
  operationId?: string;
  channel: AsyncApiChannel;
  messages: AsyncApiMessage[];
}

function findChannel(loaded: LoadedArazzo, step: Step, at: string): FoundChannel {
  if (step.channelPath !== undefined) {
    const where = documentPath(at, 'channelPath');
    const match = /^\{\$sourceDescriptions\.([^.}]+)\.url\}#\/channels\/([^/]+)$/.exec(step.channelPath);
    if (!match) throw new ArazzoDocumentError(where, `"${step.channelPath}" must be {$sourceDescriptions.<name>.url}#/channels/<channel>`);
    const source = asyncApiSource(loaded, match[1], where);
    const key = decodeFragmentToken(match[2]);
    const channel = source.asyncapi!.channels[key];
    if (!channel) throw new ArazzoDocumentError(where, `${source.name} has no channel "${key}"; its channels are ${listOrNone(Object.keys(source.asyncapi!.channels))}`);
    return { source, field: 'channelPath', channel, messages: channel.messages };
  }
  const field = step.operationId !== undefined ? 'operationId' : step.operationPath !== undefined ? 'operationPath' : undefined;
  if (field === undefined) throw new ArazzoDocumentError(at, 'a receive step needs an operationId, operationPath or channelPath naming the AsyncAPI operation or channel it waits on');
  const where = documentPath(at, field);
  const [sourceName, operationId] = operationReference(loaded, step, field, where);
  const source = asyncApiSource(loaded, sourceName, where);
  const operation = source.asyncapi!.operations[operationId];
  if (!operation) {
    throw new ArazzoDocumentError(where, `${source.name} has no operation "${operationId}"; its operations are ${listOrNone(Object.keys(source.asyncapi!.operations))}`);
  }
  return { source, field, operationId, channel: operation.channel, messages: operation.messages };
}

/**
 * [source name, AsyncAPI operation id] from `$sourceDescriptions.<name>.<id>`, a plain id (the document's only
 * asyncapi source), or an operationPath `{$sourceDescriptions.<name>.url}#/operations/<id>`. LENIENCY: an
 * operationPath written `$sourceDescriptions.<name>.<id>`, as the spec's own example writes it.
 */
function operationReference(loaded: LoadedArazzo, step: Step, field: 'operationId' | 'operationPath', where: string): [string, string] {
  const text = step[field]!;
  // Stryker disable next-line Regex: with the s flag, (.+) runs to the end of the text anyway, so the $ changes nothing
  const qualified = /^\$sourceDescriptions\.([^.]+)\.(.+)$/s.exec(text);
  if (qualified) return [qualified[1]!, qualified[2]!];
  if (field === 'operationPath') {
    const pointer = /^\{\$sourceDescriptions\.([^.}]+)\.url\}#\/operations\/([^/]+)$/.exec(text);
    if (pointer) return [pointer[1]!, decodeFragmentToken(pointer[2]!)];
    throw new ArazzoDocumentError(where, `"${text}" must be {$sourceDescriptions.<name>.url}#/operations/<operationId> for an AsyncAPI operation`);
  }
  const asyncSources = Object.values(loaded.sources).filter((source) => source.type === 'asyncapi');
  if (asyncSources.length !== 1) {
    throw new ArazzoDocumentError(
      where,
      `"${text}": write $sourceDescriptions.<name>.${text} to say which AsyncAPI source description it is in (the document has ${asyncSources.length === 0 ? 'none' : asyncSources.map((source) => source.name).join(', ')})`,
    );
  }
  return [asyncSources[0]!.name, text];
}

function asyncApiSource(loaded: LoadedArazzo, name: string, where: string): LoadedSource {
  const source = loaded.sources[name];
  if (!source) throw new ArazzoDocumentError(where, `names no source description "${name}"; the document has ${listOrNone(Object.keys(loaded.sources))}`);
  // An asyncapi source always carries its description (load.ts reads it or refuses the document); no other source has one.
  if (source.asyncapi === undefined) {
    throw new ArazzoDocumentError(where, `"${name}" is an ${source.type === 'arazzo' ? 'Arazzo' : 'OpenAPI'} source description; a receive step waits on a channel of an asyncapi one`);
  }
  return source;
}

/** The roots a receive step's expressions may not use: it makes no HTTP call. */
export function httpOnlyRoot(expression: string): boolean {
  const parsed = parseExpression(expression.trim());
  return 'expression' in parsed && ['request', 'response', 'statusCode', 'url', 'method'].includes(parsed.expression.root);
}

function attempt<T>(lookup: () => T, report: (location: string, message: string) => void): T | undefined {
  try {
    return lookup();
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: resolveReceiveTarget throws only ArazzoDocumentError; another error would throw here anyway (it has no location)
    if (!(error instanceof ArazzoDocumentError)) throw error;
    report(error.location, error.message.slice(error.location.length + 2));
    return undefined;
  }
}

