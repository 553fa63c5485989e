/**
 * Processes we start run in their own process groups (so timeouts can kill whole trees),
 * which also shields them from the terminal's Ctrl-C. While a run is active, SIGINT and
 * SIGTERM stop everything registered here before the process exits.
 */
const stoppers = new Set<() => Promise<void>>();

/** Registers a stop function for the duration of a run; returns its unregistration. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

/** Installs the signal handlers while `body` runs. */
export async function withInterruptHandling<T>(body: () => Promise<T>, log: (line: string) => void): Promise<T> {
  const handler = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping started processes`);
    void Promise.allSettled([...stoppers].map((stop) => stop())).then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  try {
    return await body();
  } finally {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  }
}
