/** Label and annotation keys KUDO puts on objects, in one place. */

export const KUDO_GROUP = 'kudo.dev';
export const KUDO_VERSION = 'v1beta1';
export const KUDO_API_VERSION = `${KUDO_GROUP}/${KUDO_VERSION}`;

/** Labels on every rendered object and pod template. */
export const OPERATOR_LABEL = 'kudo.dev/operator';
export const INSTANCE_LABEL = 'kudo.dev/instance';
export const HERITAGE_LABEL = 'heritage';
export const HERITAGE_VALUE = 'kudo';

/** Annotations on the top-level metadata of rendered objects. */
export const PLAN_ANNOTATION = 'kudo.dev/plan';
export const PHASE_ANNOTATION = 'kudo.dev/phase';
export const STEP_ANNOTATION = 'kudo.dev/step';
export const PLAN_UID_ANNOTATION = 'kudo.dev/last-plan-execution-uid';

/** Annotations on pod templates only. */
export const OPERATOR_VERSION_ANNOTATION = 'kudo.dev/operator-version';
export const DEPENDENCIES_HASH_ANNOTATION = 'kudo.dev/dependencies-hash';

/** Set by users on a ConfigMap/Secret to exclude it from the dependencies hash. */
export const SKIP_HASH_ANNOTATION = 'kudo.dev/skip-hash-calculation';
/** Set on every applied object: the JSON used for three-way merges. */
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kudo.dev/last-applied-configuration';
/** Marks the pod a Pipe task runs. */
export const PIPE_POD_ANNOTATION = 'kudo.dev/pipepod';
/** Put on a namespace created by `install --create-namespace`. */
export const CREATED_BY_ANNOTATION = 'created-by';
export const CREATED_BY_VALUE = 'kudo-cli';

/** Finalizer added to instances whose operator version has a `cleanup` plan. */
export const INSTANCE_CLEANUP_FINALIZER = 'kudo.dev.instance.cleanup';

/** Labels of KUDO's own manager objects. */
export const MANAGER_APP_LABEL = 'app';
export const MANAGER_APP_VALUE = 'kudo-manager';
export const CONTROL_PLANE_LABEL = 'control-plane';
export const CONTROL_PLANE_VALUE = 'controller-manager';
