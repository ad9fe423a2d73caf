/**
 * Document → compiler: what a document writes reaches the deployment as written, a misspelt expression is refused
 * with its path, and the definition stays within Step Functions' limits, with short messages when it does not.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ArazzoDocumentError } from '../../lib/arazzo/errors.ts';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import { ArazzoWorkflowStack } from '../../lib/arazzo-workflow-stack.ts';
import type { AslDefinition } from '../../lib/compile/asl.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { MAX_DEFINITION_BYTES, MAX_TASK_PARAMETERS_BYTES } from '../../lib/compile/definition-limits.ts';
import { projectRoot } from '../support/compile-fixture.ts';

const serverUrls = { echoApi: 'https://echo.example.test' };

/** A document in a fresh directory beside the echo API's description; `steps` are written as given. */
function documentWith(steps: unknown[], extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'compile-limits-'));
  copyFileSync(path.join(projectRoot, 'test/fixtures/security/echo-openapi.yml'), path.join(dir, 'echo-openapi.yml'));
  const document = {
    arazzo: '1.0.1',
    info: { title: 'Limits', version: '1.0.0' },
    sourceDescriptions: [{ name: 'echoApi', url: './echo-openapi.yml', type: 'openapi' }],
    workflows: [{ workflowId: 'limits', inputs: { type: 'object', properties: { label: { type: 'string' } } }, steps, ...extra }],
  };
  const file = path.join(dir, 'limits.arazzo.yml');
  writeFileSync(file, JSON.stringify(document)); // JSON is YAML
  return file;
}

const echoStep = (stepId: string, value: string) => ({
  stepId,
  operationId: 'echo',
  parameters: [{ name: 'label', in: 'query', value }],
  successCriteria: [{ condition: '$statusCode == 200' }],
});

const compile = (file: string, options = {}) => compileWorkflow(loadArazzo(file), { serverUrls, ...options });

function compileError(file: string, options = {}): ArazzoDocumentError {
  try {
    compile(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ArazzoDocumentError);
    return error as ArazzoDocumentError;
  }
  throw new Error('the document compiled');
}

describe('${…} in a document reaches the deployed definition as written', () => {
  it('only the Task placeholders the compiler wrote are substituted by CloudFormation', () => {
    const literal = 'arn ${StepRunnerFunctionArn} in ${AWS::AccountId}';
    const file = documentWith([echoStep('first', literal), echoStep('second', '${StepRunnerFunctionArn}')]);
    const stack = new ArazzoWorkflowStack(new App(), 'Literal', {
      env: { account: '123456789012', region: 'eu-west-1' },
      workflow: { documentPath: file, serverUrls },
    });
    const machine = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0] as {
      Properties: { DefinitionString: string; DefinitionSubstitutions: Record<string, unknown> };
    };
    const text = machine.Properties.DefinitionString;
    expect(typeof text).toBe('string');
    // What CloudFormation does: replace every ${name} that DefinitionSubstitutions names (and fail on others).
    const substituted = text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      expect(Object.keys(machine.Properties.DefinitionSubstitutions)).toContain(name);
      return `SUBSTITUTED:${name}`;
    });
    const definition = JSON.parse(substituted) as AslDefinition;
    const tasks = Object.values(definition.States).filter((s) => s.Type === 'Task');
    expect(tasks.map((t) => t.Parameters.FunctionName)).toEqual(['SUBSTITUTED:StepRunnerFunctionArn', 'SUBSTITUTED:StepRunnerFunctionArn']);
    const plans = tasks.map((t) => JSON.parse((t.Parameters.Payload as { plan: string }).plan) as { request: unknown });
    expect(JSON.stringify(plans[0])).toContain(JSON.stringify(literal).slice(1, -1));
    expect(JSON.stringify(plans[1])).toContain('${StepRunnerFunctionArn}');
    expect(substituted).not.toContain('SUBSTITUTED:AWS::AccountId');
    expect(substituted.match(/SUBSTITUTED:/g)).toHaveLength(2);
  });
});

describe('a value that reads like a runtime expression but is not one', () => {
  it.each([
    ['$input.label', /did you mean \$inputs\.label\?/],
    ['$env.HOME', /is not one: expressions start with \$url/],
    ['$step.first.outputs.x', /did you mean \$steps\.first\.outputs\.x\?/],
  ])('%s is refused at compile time with the document path of the field', (value, fix) => {
    const error = compileError(documentWith([echoStep('first', value)]));
    expect(error.message).toContain('workflows[limits] › steps[first] › parameters[0] › value');
    expect(error.message).toContain(`"${value}" looks like a runtime expression but is not one`);
    expect(error.message).toMatch(fix);
  });

  it.each(['$inputs.label', 'Bearer $inputs.label', 'costs $5', 'see $env.HOME for details', '$statusCode', '$url'])(
    '%s compiles (a valid expression, or text around a $)',
    (value) => {
      expect(() => compile(documentWith([echoStep('first', value)]))).not.toThrow();
    },
  );
});

describe('Step Functions size limits, at compile time', () => {
  it("refuses a Task whose Parameters exceed 256 KiB, naming the step", () => {
    const error = compileError(documentWith([echoStep('small', 'x'), echoStep('huge', 'y'.repeat(MAX_TASK_PARAMETERS_BYTES))]));
    expect(error.message).toMatch(/Parameters of a Task exceed Step Functions' 256 KiB limit.*huge \(\d+\.\d KiB\)/);
    expect(error.message).not.toMatch(/small/);
    expect(error.message.length).toBeLessThan(1000);
  });

  it('refuses a definition over 1 MB, naming the largest steps, and accepts a smaller one', () => {
    const value = 'z'.repeat(90_000);
    const over = compileError(documentWith(Array.from({ length: 12 }, (_, i) => echoStep(`s${i}`, value))));
    expect(over.message).toMatch(/definition would be \d+\.\d KiB, over Step Functions' 1 MB limit \(1,048,576 bytes\); the largest steps are s\d+ \(/);
    expect(over.message.length).toBeLessThan(1000);
    const under = compile(documentWith(Array.from({ length: 4 }, (_, i) => echoStep(`s${i}`, value))));
    expect(JSON.stringify(under.definition, null, 2).length).toBeLessThan(MAX_DEFINITION_BYTES);
  });
});

describe('messages stay short', () => {
  it('a 480 KB value in a refused field comes back as a few hundred characters, never the value', () => {
    const huge = `$input.${'q'.repeat(480_000)}`;
    const error = compileError(documentWith([echoStep('first', huge)]));
    expect(error.message.length).toBeLessThan(1000);
    expect(error.problems.every((p) => p.length < 1000)).toBe(true);
  });

  it('many problems are listed up to a cap, the rest counted', () => {
    const error = compileError(documentWith(Array.from({ length: 120 }, (_, i) => echoStep(`s${i}`, '$env.HOME'))));
    expect(error.message).toMatch(/120 problems/);
    expect(error.message).toMatch(/… and \d+ more/);
    expect(error.message.length).toBeLessThan(60 * 1000);
  });

  it('loop-limit advice never suggests a negative number: a workflow too long for any loop is told to split', () => {
    const steps = Array.from({ length: 3000 }, (_, i) => echoStep(`s${i}`, 'x'));
    const file = documentWith(steps);
    const error = compileError(file, { loopLimit: { maxIterations: 1 } });
    expect(error.message).toMatch(/leaving no room for a loop; split the workflow/);
    // The temporary file's name may hold "-<digit>"; the advice after it may not.
    expect(error.message.split(file).join('<file>')).not.toMatch(/-\d/);
  });
});
