/**
 * Step Functions' size limits, checked at compile time: a definition over them fails only at deploy (or, for a
 * Task's input, at run time), far from the step that caused it.
 */
import { ArazzoDocumentError } from '../arazzo/errors.ts';
import { everyState, type AslDefinition, type AslState } from './asl.ts';

/** CreateStateMachine / UpdateStateMachine refuse a definition over 1 MB. */
export const MAX_DEFINITION_BYTES = 1_048_576;
/** A state's input or output (so a Task's Parameters once built) is at most 256 KiB. */
export const MAX_TASK_PARAMETERS_BYTES = 262_144;

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).length;

/**
 * The size of the definition as it is deployed: indented JSON, with every `${` written as `\u0024{` (five bytes
 * more each, see definitionText).
 */
export function deployedDefinitionBytes(definition: AslDefinition): number {
  const text = JSON.stringify(definition, null, 2);
  return bytes(text) + 5 * (text.split('${').length - 1);
}

/** Throws, naming the largest states, when the definition or a Task's Parameters is over Step Functions' limit. */
export function checkDefinitionLimits(definition: AslDefinition, where: string): void {
  const sizes = everyState(definition.States).map(([name, state]) => ({ name, bytes: bytes(JSON.stringify(state)), state }));
  const largest = (list: typeof sizes) =>
    [...list].sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((s) => `${s.name.slice(0, 80)} (${kib(s.bytes)})`).join(', ');
  const oversizedTasks = sizes
    .filter((s): s is typeof s & { state: Extract<AslState, { Type: 'Task' }> } => s.state.Type === 'Task')
    .map((s) => ({ ...s, bytes: bytes(JSON.stringify(s.state.Parameters)) }))
    .filter((s) => s.bytes > MAX_TASK_PARAMETERS_BYTES);
  if (oversizedTasks.length > 0) {
    throw new ArazzoDocumentError(
      where,
      `the Parameters of ${oversizedTasks.length === 1 ? 'a Task' : `${oversizedTasks.length} Tasks`} exceed Step Functions' 256 KiB limit for a state's input: ${largest(oversizedTasks)}; ` +
        'shorten the literal values (request bodies, parameter values, criteria) of those steps, or pass large text as a workflow input',
    );
  }
  const total = deployedDefinitionBytes(definition);
  if (total > MAX_DEFINITION_BYTES) {
    throw new ArazzoDocumentError(
      where,
      `the state machine definition would be ${kib(total)}, over Step Functions' 1 MB limit (1,048,576 bytes); the largest steps are ${largest(sizes.filter((s) => s.state.Type !== 'Parallel'))}; ` +
        'shorten their literal values or split the workflow into smaller ones (a step may run another workflow)',
    );
  }
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}
