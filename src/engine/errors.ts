/**
 * Task failures with KUDO's split: a transient error leaves the step in ERROR and is
 * retried; a fatal one ends the plan in FATAL_ERROR. `reason` is the Event reason
 * KUDO emits for it (TaskRenderingError, DummyTaskError, ...).
 */
export class TaskError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
    readonly reason = fatal ? 'TaskExecutionError' : 'TaskTransientError',
  ) {
    super(message);
  }
}

export const fatalError = (reason: string, message: string): TaskError => new TaskError(message, true, reason);
export const transientError = (message: string): TaskError => new TaskError(message, false);

/** KUDO's wording for a fatal task failure in a plan. */
export function fatalMessage(instance: { namespace: string; name: string }, where: string, cause: string): string {
  return `fatal error: ${instance.namespace}/${instance.name} failed in ${where}: ${cause}`;
}

/** KUDO's wording for a transient task failure, shown on the step while it retries. */
export function transientMessage(where: string, cause: string): string {
  return `A transient error when executing task ${where}. Will retry. ${cause}`;
}
