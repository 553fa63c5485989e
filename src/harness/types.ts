/**
 * The KUTTL file formats (`kuttl.dev/v1beta1` TestSuite, TestStep, TestAssert) and the
 * in-memory form of a loaded test case. Field names follow KUTTL's YAML exactly.
 */
import type { KubeObject } from '../k8s/object.js';

export interface Command {
  command?: string;
  script?: string;
  namespaced?: boolean;
  ignoreFailure?: boolean;
  background?: boolean;
  /** Seconds: > 0 overrides the default, < 0 means no timeout, 0 inherits. */
  timeout?: number;
  skipLogOutput?: boolean;
}

export interface TestCollector {
  type?: 'pod' | 'command' | 'events';
  pod?: string;
  namespace?: string;
  container?: string;
  selector?: string;
  tail?: number;
  command?: string;
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface TestSuite {
  crdDir?: string;
  manifestDirs: string[];
  testDirs: string[];
  startControlPlane: boolean;
  controlPlaneArgs: string[];
  attachControlPlaneOutput: boolean;
  startKIND: boolean;
  kindConfig?: string;
  kindContext?: string;
  kindNodeCache?: boolean;
  kindContainers: string[];
  skipDelete: boolean;
  skipClusterDelete: boolean;
  /** Seconds; default 30. */
  timeout: number;
  /** Maximum number of test cases running at once; default 8. */
  parallel: number;
  artifactsDir?: string;
  commands: Command[];
  reportFormat?: 'json' | 'xml';
  reportName?: string;
  namespace?: string;
  suppress: string[];
  ignoreFiles: string[];
  /** metadata.name: the top-level report name. */
  name?: string;
}

export interface TestStepSpec {
  name?: string;
  apply: string[];
  assert: string[];
  error: string[];
  delete: ObjectReference[];
  commands: Command[];
  unitTest?: boolean;
}

export interface TestAssertSpec {
  timeout?: number;
  collectors: TestCollector[];
  commands: Command[];
}

/** An object read from a file, remembering where it came from for messages. */
export interface SourcedObject {
  object: KubeObject;
  file: string;
}

export interface Step {
  index: number;
  /** From TestStep metadata.name, else the name part of the first apply file. */
  name: string;
  /** The files (or step directory entries) this step was built from. */
  files: string[];
  spec?: TestStepSpec;
  assertSpec?: TestAssertSpec;
  apply: SourcedObject[];
  asserts: SourcedObject[];
  errors: SourcedObject[];
}

export interface TestCase {
  name: string;
  dir: string;
  /** The test directory (as given) the case was found in. */
  testDir: string;
  steps: Step[];
}

/** A user mistake in a file or flag: reported as one line, never a stack trace. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

export const stepLabel = (step: Pick<Step, 'index' | 'name'>): string => `${step.index}-${step.name}`;
