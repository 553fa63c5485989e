/** The field manager of kube-controller-manager's writes, for every in-process controller. */
export const CONTROLLER_MANAGER = 'kube-controller-manager';
