/**
 * The second Civitai document (Arazzo 1.1, woken by Civitai's workflow callback), deployed with -c variant=callback:
 * it synthesizes next to the default polling document, waits for the callback with a receive step on the AsyncAPI
 * description of Civitai's webhook, takes its route and outputs from the authenticated read, and cdk-nag stays clean.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import { shippedConfig, synthShippedStack } from './support/civitai-stack.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';

type Machine = { Properties: { DefinitionString: unknown } };
const definitionOf = (template: Template) => JSON.stringify((Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as Machine).Properties.DefinitionString);

describe('-c variant=callback', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthShippedStack({ variant: 'callback' }));
  });

  it('deploys the Arazzo 1.1 callback document as its own stack; the default stays the polling document', () => {
    expect(shippedConfig({ variant: 'callback' })).toMatchObject({ stackName: 'CivitaiImageGenerationCallback', workflowId: 'image-generation-callback' });
    expect(shippedConfig()).toMatchObject({ stackName: 'CivitaiImageGeneration', workflowId: 'image-generation-poll' });
  });

  it('waits for Civitai\'s callback in "Receive awaitCallback", after the submit that carries the run\'s URL at /callbacks/0/url', () => {
    const text = definitionOf(template);
    expect(text).toContain('Receive awaitCallback');
    expect(text).toContain(WAIT_FOR_TASK_TOKEN);
    expect(text).toContain('/callbacks/0/url');
    expect(text).toContain('workflow:succeeded');
    // Exactly one wake-up wait: the receive step's; the read's own loop keeps plain Waits.
    expect(text.split(WAIT_FOR_TASK_TOKEN).length - 1).toBe(1);
  });

  it('serves the callback route', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{token}' });
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedNagFindings((app) => synthShippedStack({ variant: 'callback' }, app))).toBe('');
  });
});
