/** `npm start`: see local/run-command.ts. */
import { runFromCommandLine } from './run-command.ts';

await runFromCommandLine(process.argv.slice(2));
