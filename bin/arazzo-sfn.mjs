#!/usr/bin/env node
// `npx arazzo-sfn run|compile …` from the checkout: registers tsx (found next to this file, so any working
// directory works) and hands over to the TypeScript command.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./arazzo-sfn.ts');
await main(process.argv.slice(2));
