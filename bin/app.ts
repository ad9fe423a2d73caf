#!/usr/bin/env -S npx tsx
/** The CDK app: one Arazzo workflow stack, configured by cdk.json context `arazzo`, checked by cdk-nag. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig, stackPropsFromConfig } from '../lib/app-config.ts';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';

const app = new App();
const config = readAppConfig((key) => app.node.tryGetContext(key));
new ArazzoWorkflowStack(app, config.stackName, stackPropsFromConfig(config));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
