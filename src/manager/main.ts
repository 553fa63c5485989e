/** Runs the manager as a program: `npx node --import tsx src/manager/main.ts [flags]`. */
import { runManager } from './cli.js';

process.exitCode = await runManager(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
