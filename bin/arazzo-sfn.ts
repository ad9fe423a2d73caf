/** The `arazzo-sfn` command: `run` is `npm start`, `compile` is `npm run compile`. */
import { compileFromCommandLine } from './compile-command.ts';
import { runFromCommandLine } from '../local/run-command.ts';

const USAGE = `usage: npx arazzo-sfn run [document.arazzo.yml] [options]      run a workflow locally (as npm start)
       npx arazzo-sfn compile <document.arazzo.yml> [options]  print its state machine (as npm run compile)
       npx arazzo-sfn <run|compile> --help                     the options, and with a document its sources and inputs`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'run') return runFromCommandLine(rest);
  if (command === 'compile') return compileFromCommandLine(rest);
  const help = command === undefined || command === '--help' || command === '-h' || command === 'help';
  (help ? process.stdout : process.stderr).write(`${help ? '' : `unknown command '${command}'\n`}${USAGE}\n`);
  process.exitCode = help ? 0 : 2;
}
