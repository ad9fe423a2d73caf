/** `npm run compile`: see bin/compile-command.ts. */
import { compileFromCommandLine } from './compile-command.ts';

await compileFromCommandLine(process.argv.slice(2));
