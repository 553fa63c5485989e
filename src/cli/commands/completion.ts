/**
 * `completion bash|zsh|fish` prints a script that asks `kubectl-kudo __complete <words>`
 * for candidates: commands and flags from the command tree, and instance, plan and
 * parameter names (and namespaces) from the cluster.
 */
import type { FlagDef, ParsedCommand } from '../args.js';
import { GLOBAL_FLAGS, ROOT, type CliCommand } from '../commands.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';

const BASH = `# bash completion for kubectl-kudo (source it, or put it in /etc/bash_completion.d/)
_kubectl_kudo() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(kubectl-kudo __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
}
complete -F _kubectl_kudo kubectl-kudo kudo
`;

const ZSH = `#compdef kubectl-kudo kudo
# zsh completion for kubectl-kudo (put it on your $fpath as _kubectl-kudo)
_kubectl_kudo() {
  local -a candidates
  candidates=("\${(@f)$(kubectl-kudo __complete "\${(@)words[2,$CURRENT]}" 2>/dev/null)}")
  compadd -Q -S '' -- "\${candidates[@]/%/ }" 2>/dev/null || compadd -- "\${candidates[@]}"
}
compdef _kubectl_kudo kubectl-kudo kudo
`;

const FISH = `# fish completion for kubectl-kudo (put it in ~/.config/fish/completions/)
function __kubectl_kudo_complete
  set -l words (commandline -opc)
  set -e words[1]
  kubectl-kudo __complete $words (commandline -ct) 2>/dev/null
end
complete -c kubectl-kudo -f -a '(__kubectl_kudo_complete)'
complete -c kudo -f -a '(__kubectl_kudo_complete)'
`;

export async function completionCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const scripts: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };
  const shell = cmd.positional[0];
  if (cmd.positional.length !== 1 || !Object.hasOwn(scripts, shell)) throw new UsageError('name the shell: kubectl kudo completion bash|zsh|fish');
  ctx.out(scripts[shell]);
  return 0;
}

const flagWords = (f: FlagDef): string[] => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])];

function flagValue(words: readonly string[], ...names: string[]): string | undefined {
  for (let i = words.length - 2; i >= 0; i--) {
    const w = words[i];
    for (const n of names) {
      if (w === n) return words[i + 1];
      if (w.startsWith(`${n}=`)) return w.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Candidates for the last word, given the words before it. */
export async function candidates(ctx: CliContext, words: readonly string[]): Promise<string[]> {
  const cur = words[words.length - 1] ?? '';
  let def: CliCommand = ROOT;
  let flags: FlagDef[] = [...GLOBAL_FLAGS];
  const path: string[] = [];
  let pendingFlag: FlagDef | undefined;
  for (const w of words.slice(0, -1)) {
    if (pendingFlag) {
      pendingFlag = undefined;
      continue;
    }
    if (w.startsWith('-')) {
      const spec = flags.find((f) => flagWords(f).includes(w.split('=')[0]));
      if (spec && spec.type !== 'bool' && !w.includes('=')) pendingFlag = spec;
      continue;
    }
    const sub = def.subcommands?.find((c) => c.name === w || c.aliases?.includes(w));
    if (sub) {
      def = sub;
      path.push(sub.name);
      flags = [...GLOBAL_FLAGS, ...(sub.flags ?? [])];
    }
  }
  const wanted = (list: string[]) => list.filter((c) => c.startsWith(cur));
  if (pendingFlag) return wanted(await flagValues(ctx, pendingFlag.name, words, path));
  if (cur.startsWith('-')) return wanted(flags.filter((f) => !f.hidden).flatMap((f) => `--${f.name}`));
  if (def.subcommands?.length) return wanted(def.subcommands.filter((c) => !c.hidden).map((c) => c.name));
  if (path[0] === 'get') return wanted(['instances', 'operators', 'operatorversions', 'all']);
  if (path[0] === 'completion') return wanted(['bash', 'zsh', 'fish']);
  return [];
}

async function flagValues(ctx: CliContext, flag: string, words: readonly string[], path: string[]): Promise<string[]> {
  if (flag === 'output') return ['yaml', 'json'];
  const ns = flagValue(words, '-n', '--namespace');
  if (ns) ctx.settings.namespace = ns;
  const { listKudo, getInstance, getOperatorVersion } = await import('../kudo.js');
  const cluster = await ctx.cluster();
  const namespace = await ctx.namespace();
  if (flag === 'namespace') return (await cluster.list('v1', 'Namespace')).items.map((n) => n.metadata.name ?? '');
  if (flag === 'instance') return (await listKudo(cluster, 'Instance', namespace)).map((i) => i.metadata.name ?? '');
  const instanceName = flagValue(words, '--instance');
  if (!instanceName) return [];
  const instance = await getInstance(cluster, namespace, instanceName);
  const ov = instance && (await getOperatorVersion(cluster, namespace, instance.spec?.operatorVersion?.name ?? ''));
  if (!ov) return [];
  if (flag === 'name' && path[0] === 'plan') return Object.keys(ov.spec?.plans ?? {}).sort();
  if (flag === 'parameter') return (ov.spec?.parameters ?? []).map((p) => `${p.name}=`);
  return [];
}

export async function completeCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  let list: string[] = [];
  try {
    list = await candidates(ctx, cmd.rest.length ? cmd.rest : ['']);
  } catch {
    // No cluster or no KUDO: complete without cluster names rather than print errors into the shell.
  }
  if (list.length) ctx.out(list.join('\n') + '\n');
  return 0;
}
