/** Questions on the terminal for the interactive package commands (`package new -i`, `package add`). */
import { createInterface } from 'node:readline/promises';
import type { Prompter } from '../packages/commands/index.js';

export const terminalPrompter: Prompter = {
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
