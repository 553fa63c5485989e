/**
 * The command tree of `kubectl kudo`: names, flags and help, plus a loader per command
 * so that a command imports only its own code (start-up time of e.g. `version`).
 */
import type { CommandDef, FlagDef, ParsedCommand } from './args.js';
import type { CliContext } from './context.js';

export type Handler = (ctx: CliContext, cmd: ParsedCommand) => Promise<number | void>;

export interface CliCommand extends CommandDef {
  subcommands?: CliCommand[];
  load?: () => Promise<Handler>;
}

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'home', type: 'string', usage: 'location of your KUDO config (default $KUDO_HOME or ~/.kudo)' },
  { name: 'kubeconfig', type: 'string', usage: 'path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)' },
  { name: 'context', type: 'string', usage: 'the kubeconfig context to use' },
  { name: 'namespace', short: 'n', type: 'string', usage: 'target namespace for the object (default: the context namespace, else "default")' },
  { name: 'request-timeout', type: 'string', usage: 'request timeout: seconds or a duration like 30s; 0 means the default', default: '0' },
  { name: 'validate-install', type: 'bool', usage: 'check that KUDO is installed before talking to it', default: true },
  { name: 'v', short: 'v', type: 'int', usage: 'log level for verbose output', default: 0 },
];

const output: FlagDef = { name: 'output', short: 'o', type: 'string', usage: 'output format: yaml or json' };
const instance: FlagDef = { name: 'instance', type: 'string', usage: 'the instance name' };
const params: FlagDef[] = [
  { name: 'parameter', short: 'p', type: 'strings', usage: 'a parameter value, name=value (repeatable)' },
  { name: 'parameter-file', short: 'P', type: 'strings', usage: 'a YAML file of parameter values (repeatable; -p wins)' },
];
const versions: FlagDef[] = [
  { name: 'repo', type: 'string', usage: 'the repository to resolve a package name in (default: the current context)' },
  { name: 'app-version', type: 'string', usage: 'the app version of the package' },
  { name: 'operator-version', type: 'string', usage: 'the operator version of the package' },
];
const wait = (what: string): FlagDef[] => [
  { name: 'wait', type: 'bool', usage: `wait until ${what} and show its progress` },
  { name: 'wait-time', type: 'int', usage: 'seconds to wait before giving up', default: 300 },
];

const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Handler) =>
  async (): Promise<Handler> =>
    pick(await load());

export const ROOT: CliCommand = {
  name: 'kubectl-kudo',
  summary: 'kubectl kudo installs and operates KUDO operators (their packages, instances and plans), manages\noperator repositories, and installs KUDO itself.',
  subcommands: [
    {
      name: 'init',
      summary: 'Initialize KUDO on both the client and server',
      flags: [
        { name: 'client-only', short: 'c', type: 'bool', usage: 'only set up the local $KUDO_HOME, not the cluster' },
        { name: 'kudo-image', short: 'i', type: 'string', usage: 'override the manager image' },
        { name: 'kudo-image-pull-policy', type: 'string', usage: 'Always, IfNotPresent or Never', default: 'Always' },
        { name: 'version', type: 'string', usage: 'the manager version to install' },
        output,
        { name: 'dry-run', type: 'bool', usage: 'do not install, only check and print (with -o)' },
        { name: 'upgrade', type: 'bool', usage: 'upgrade an existing KUDO installation' },
        { name: 'verify', type: 'bool', usage: 'verify an existing installation' },
        { name: 'crd-only', type: 'bool', usage: 'only the CRDs' },
        { name: 'wait', short: 'w', type: 'bool', usage: 'wait until the manager is ready' },
        { name: 'wait-timeout', type: 'int', usage: 'seconds to wait with --wait', default: 300 },
        { name: 'service-account', type: 'string', usage: 'the manager service account', default: 'kudo-manager' },
        { name: 'unsafe-self-signed-webhook-ca', type: 'bool', usage: 'generate the webhook CA and certificate here instead of using cert-manager' },
        { name: 'webhook-url', type: 'string', usage: 'register the admission webhook at this URL (a manager running outside the cluster)' },
        { name: 'webhook-ca-file', type: 'string', usage: 'PEM CA bundle for --webhook-url' },
      ],
      load: lazy(
        () => import('./commands/init.js'),
        (m) => m.initCommand,
      ),
    },
    {
      name: 'install',
      summary: 'Install an operator from a repository, a folder, a .tgz or a URL',
      args: '<name|folder|tgz|url> [flags]',
      flags: [
        instance,
        ...params,
        ...versions,
        { name: 'skip-instance', type: 'bool', usage: 'install the Operator and OperatorVersion only' },
        { name: 'create-namespace', type: 'bool', usage: 'create the namespace (from the package namespaceManifest if it has one)' },
        { name: 'in-cluster', type: 'bool', usage: 'use an OperatorVersion already installed in the cluster' },
        ...wait('the deploy plan is complete'),
      ],
      load: lazy(
        () => import('./commands/install.js'),
        (m) => m.installCommand,
      ),
    },
    {
      name: 'uninstall',
      summary: 'Uninstall an instance (its objects are removed; the Operator and OperatorVersion stay)',
      flags: [instance, ...wait('the instance is gone')],
      load: lazy(
        () => import('./commands/instance.js'),
        (m) => m.uninstallCommand,
      ),
    },
    {
      name: 'update',
      summary: "Update an instance's parameters",
      flags: [instance, ...params, ...wait('the triggered plan is complete')],
      load: lazy(
        () => import('./commands/instance.js'),
        (m) => m.updateCommand,
      ),
    },
    {
      name: 'upgrade',
      summary: 'Upgrade an instance to a newer operator version',
      args: '<name|folder|tgz|url> --instance NAME [flags]',
      flags: [instance, ...params, ...versions, ...wait('the upgrade plan is complete')],
      load: lazy(
        () => import('./commands/install.js'),
        (m) => m.upgradeCommand,
      ),
    },
    {
      name: 'diff',
      summary: 'Show what an update or upgrade would change, object by object, without applying it',
      args: '[<name|folder|tgz|url>] --instance NAME [-p k=v]... [flags]',
      flags: [instance, ...params, ...versions, { name: 'plan', type: 'string', usage: 'the plan to render (default: the one the change would trigger)' }],
      load: lazy(
        () => import('./commands/diff.js'),
        (m) => m.diffCommand,
      ),
    },
    {
      name: 'get',
      summary: 'Show instances, operators and operator versions',
      args: 'instances|operators|operatorversions|all [flags]',
      flags: [output],
      load: lazy(
        () => import('./commands/get.js'),
        (m) => m.getCommand,
      ),
    },
    {
      name: 'plan',
      summary: 'View, trigger, abort and retry plans',
      subcommands: [
        {
          name: 'status',
          summary: 'Show the status of the plans of an instance',
          flags: [instance, output, { name: 'wait', type: 'bool', usage: 'follow the active plan until it ends' }],
          load: lazy(
            () => import('./commands/plan.js'),
            (m) => m.statusCommand,
          ),
        },
        {
          name: 'history',
          summary: 'List the plans of an instance and when they last ran',
          flags: [instance],
          load: lazy(
            () => import('./commands/plan.js'),
            (m) => m.historyCommand,
          ),
        },
        {
          name: 'trigger',
          summary: 'Trigger a plan of an instance',
          flags: [{ name: 'name', type: 'string', usage: 'the plan to trigger' }, instance, ...wait('the plan is complete')],
          load: lazy(
            () => import('./commands/plan.js'),
            (m) => m.triggerCommand,
          ),
        },
        {
          name: 'abort',
          summary: 'Abort the running plan of an instance (it ends in FATAL_ERROR and the instance accepts changes again)',
          flags: [instance, { name: 'name', type: 'string', usage: 'the plan to abort (default: the running one)' }],
          load: lazy(
            () => import('./commands/plan-control.js'),
            (m) => m.abortCommand,
          ),
        },
        {
          name: 'retry',
          summary: 'Retry a plan that ended in FATAL_ERROR, keeping its completed steps',
          flags: [instance, { name: 'name', type: 'string', usage: 'the plan to retry (default: the failed one)' }, ...wait('the plan is complete')],
          load: lazy(
            () => import('./commands/plan-control.js'),
            (m) => m.retryCommand,
          ),
        },
      ],
    },
    {
      name: 'search',
      summary: 'Search a repository for operators',
      args: '[criteria] [flags]',
      flags: [
        { name: 'repo', type: 'string', usage: 'the repository to search (default: the current context)' },
        { name: 'all-versions', short: 'a', type: 'bool', usage: 'list every version, not only the newest' },
      ],
      load: lazy(
        () => import('./commands/repo.js'),
        (m) => m.searchCommand,
      ),
    },
    {
      name: 'repo',
      summary: 'Manage operator repositories',
      subcommands: [
        {
          name: 'add',
          summary: 'Add an operator repository',
          args: 'NAME URL [flags]',
          flags: [{ name: 'skip-check', short: 'f', type: 'bool', usage: 'do not check that the repository index can be read' }],
          load: lazy(
            () => import('./commands/repo.js'),
            (m) => m.repoAddCommand,
          ),
        },
        {
          name: 'remove',
          aliases: ['rm'],
          summary: 'Remove operator repositories',
          args: 'NAME...',
          load: lazy(
            () => import('./commands/repo.js'),
            (m) => m.repoRemoveCommand,
          ),
        },
        {
          name: 'list',
          summary: 'List the operator repositories',
          load: lazy(
            () => import('./commands/repo.js'),
            (m) => m.repoListCommand,
          ),
        },
        {
          name: 'context',
          summary: 'Set the default repository',
          args: 'NAME',
          load: lazy(
            () => import('./commands/repo.js'),
            (m) => m.repoContextCommand,
          ),
        },
        {
          name: 'index',
          summary: 'Write index.yaml for the package tarballs in a folder',
          args: 'DIR [flags]',
          flags: [
            { name: 'url', type: 'string', usage: 'the URL the packages are served at', default: 'http://localhost/' },
            { name: 'url-repo', type: 'string', usage: 'take the URL from this configured repository' },
            { name: 'merge', type: 'string', usage: 'merge with this index (a URL or a path)' },
            { name: 'merge-repo', type: 'string', usage: 'merge with the index of this configured repository' },
            { name: 'overwrite', short: 'w', type: 'bool', usage: 'replace an existing index.yaml' },
          ],
          load: lazy(
            () => import('./commands/repo.js'),
            (m) => m.repoIndexCommand,
          ),
        },
      ],
    },
    {
      name: 'diagnostics',
      summary: 'Collect diagnostic data about an instance and KUDO',
      subcommands: [
        {
          name: 'collect',
          summary: 'Write YAML dumps and logs of an instance, its objects and the manager into a folder',
          flags: [
            instance,
            { name: 'output-directory', short: 'O', type: 'string', usage: 'the folder to write to', default: 'diag' },
            { name: 'log-since', type: 'string', usage: 'only logs newer than this (e.g. 5m)' },
          ],
          load: lazy(
            () => import('./commands/diagnostics.js'),
            (m) => m.collectCommand,
          ),
        },
      ],
    },
    {
      name: 'version',
      summary: 'Print the version information',
      flags: [output],
      load: lazy(
        () => import('./commands/version.js'),
        (m) => m.versionCommand,
      ),
    },
    {
      name: 'package',
      summary: 'Create, verify, list, render and scaffold operator packages',
      args: 'new|add|create|verify|list|render ...',
      passthrough: true,
      load: lazy(
        () => import('./commands/mounted.js'),
        (m) => m.packageCommand,
      ),
    },
    {
      name: 'test',
      summary: 'Run KUTTL tests (kuttl.dev/v1beta1 suites)',
      args: '[test dirs...] [flags]',
      passthrough: true,
      load: lazy(
        () => import('./commands/mounted.js'),
        (m) => m.testCommand,
      ),
    },
    {
      name: 'manager',
      summary: 'Run the KUDO manager (controllers and admission webhook) against the current cluster',
      args: '[flags]',
      passthrough: true,
      load: lazy(
        () => import('./commands/mounted.js'),
        (m) => m.managerCommand,
      ),
    },
    {
      name: 'cluster',
      summary: 'Run a local Kubernetes control plane',
      subcommands: [
        {
          name: 'start',
          summary: 'Start the local control plane (in the foreground, or in the background with --detach)',
          args: '[--port N] [--data-dir DIR] [--kubeconfig PATH] [--simulate-workloads] [--detach]',
          passthrough: true,
          load: lazy(
            () => import('./commands/cluster.js'),
            (m) => m.startCommand,
          ),
        },
        {
          name: 'stop',
          summary: 'Stop a control plane started with --detach',
          load: lazy(
            () => import('./commands/cluster.js'),
            (m) => m.stopCommand,
          ),
        },
        {
          name: 'status',
          summary: 'Show whether a detached control plane runs',
          load: lazy(
            () => import('./commands/cluster.js'),
            (m) => m.statusCommand,
          ),
        },
      ],
    },
    {
      name: 'completion',
      summary: 'Print a shell completion script (bash, zsh or fish)',
      args: 'bash|zsh|fish',
      load: lazy(
        () => import('./commands/completion.js'),
        (m) => m.completionCommand,
      ),
    },
    {
      name: '__complete',
      summary: 'Completion candidates for the shell scripts',
      hidden: true,
      passthrough: true,
      load: lazy(
        () => import('./commands/completion.js'),
        (m) => m.completeCommand,
      ),
    },
  ],
};
