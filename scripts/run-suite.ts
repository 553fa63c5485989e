/**
 * `npm run conformance -- <suite> <args...>` and `npm run bench -- <name> <args...>`.
 * Each suite is a module in conformance/ or bench/ exporting `main(args): Promise<number>`
 * (the exit code), so adding a suite never touches this file.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [kind, name, ...args] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = join(root, kind === 'bench' ? 'bench' : 'conformance');
const available = readdirSync(folder)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

if (!name || !available.includes(name)) {
  console.error(`${name ? `unknown ${kind} suite "${name}"` : `usage: npm run ${kind} -- <suite> [args...]`}; available: ${available.join(', ')}`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(folder, `${name}.ts`)).href)) as { main(args: string[]): Promise<number> };
process.exitCode = await mod.main(args);
