/**
 * Runs the package commands directly: `npx node --import tsx src/packages/cli.ts verify <path>`.
 * The kubectl plugin mounts the same functions under `kubectl kudo package`.
 */
import { createInterface } from 'node:readline/promises';
import { runPackageCommand, type Prompter } from './commands/index.js';

const terminalPrompter: Prompter = {
  async ask(question, defaultValue) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const answer = await rl.question(defaultValue ? `${question} (${defaultValue}): ` : `${question}: `);
      return answer.trim() === '' ? (defaultValue ?? '') : answer;
    } finally {
      rl.close();
    }
  },
};

const result = await runPackageCommand(process.argv.slice(2), terminalPrompter);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
