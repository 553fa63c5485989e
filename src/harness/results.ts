/** Outcomes of a run, as the summary and the reports see them. */

export interface StepResult {
  /** "N-name", as KUTTL labels steps. */
  label: string;
  durationMs: number;
  /** Empty when the step passed. */
  errors: string[];
}

export interface CaseResult {
  name: string;
  /** The test dir (as given) the case came from. */
  testDir: string;
  namespace: string;
  startedAt: Date;
  durationMs: number;
  steps: StepResult[];
  /** Count of assert and errors objects, as KUTTL reports `assertions`. */
  assertions: number;
  /** Set when the case failed: the label of the failing step (or "setup") and its errors. */
  failure?: { step: string; errors: string[] };
}

export interface SuiteResult {
  name: string;
  startedAt: Date;
  durationMs: number;
  cases: CaseResult[];
  /** Set when the harness could not set up (cluster, CRDs, manifests, suite commands). */
  setupFailure?: string;
}

export const passedCount = (r: SuiteResult): number => r.cases.filter((c) => !c.failure).length;
export const failedCount = (r: SuiteResult): number => r.cases.filter((c) => c.failure).length;
export const suiteFailed = (r: SuiteResult): boolean => r.setupFailure !== undefined || failedCount(r) > 0;
