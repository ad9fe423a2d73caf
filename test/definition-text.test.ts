import { describe, expect, it } from 'vitest';
import { definitionText } from '../lib/arazzo-workflow.ts';
import type { AslDefinition } from '../lib/compile/asl.ts';

describe('the definition text CloudFormation receives', () => {
  const definition: AslDefinition = {
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${StepRunnerFunctionArn}', Payload: { plan: JSON.stringify({ body: 'price ${x} \\\\${y}' }) } },
        Next: 'S',
      },
      S: { Type: 'Succeed' },
    },
  };

  it('leaves only the step runner placeholder for CloudFormation to substitute, and reads back unchanged', () => {
    const text = definitionText(definition);
    expect(text.match(/\$\{[^}]*\}/g)).toEqual(['${StepRunnerFunctionArn}']);
    expect(JSON.parse(text)).toEqual(definition);
  });
});
