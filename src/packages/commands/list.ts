/** `package list parameters|tasks|plans [pkg]`. */
import { loadPackage } from '../io/files.js';
import { listParameters, listPlans, listTasks, type ListParametersOptions } from '../list.js';
import { fail, ok, type CommandResult } from './result.js';

export interface ListOptions extends ListParametersOptions {
  withTasks?: boolean;
}

export function listCommand(what: string | undefined, path: string | undefined, opts: ListOptions = {}): CommandResult {
  const pkg = loadPackage(path ?? '.');
  switch (what) {
    case 'parameters':
    case 'params':
      return ok(listParameters(pkg, opts));
    case 'tasks':
      return ok(listTasks(pkg));
    case 'plans':
      return ok(listPlans(pkg, opts.withTasks));
    default:
      return fail(`expecting one of "parameters", "tasks" or "plans"${what ? ` and not "${what}"` : ''}`);
  }
}
