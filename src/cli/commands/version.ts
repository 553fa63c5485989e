/** `kubectl kudo version [-o yaml|json]`, in KUDO's shapes. */
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';

/** The release this CLI is; KUDO_DEV_VERSION overrides it as in KUDO's dev builds. */
export const CLI_VERSION = '0.1.0';
/** The KUDO release whose behaviour this implementation follows. */
export const KUDO_COMPAT_VERSION = '0.19.0';

export interface VersionInfo {
  gitVersion: string;
  gitCommit: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  kubernetesClientVersion: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

export function versionInfo(env: Record<string, string | undefined>): VersionInfo {
  return {
    gitVersion: env.KUDO_DEV_VERSION || CLI_VERSION,
    gitCommit: '',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'esbuild',
    platform: `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}`,
    kubernetesClientVersion: 'v0.19.2',
  };
}

export function formatVersion(v: VersionInfo): string {
  const fields = Object.entries(v).map(([k, value]) => `${k[0].toUpperCase()}${k.slice(1)}:${JSON.stringify(value)}`);
  return `KUDO Version: version.Info{${fields.join(', ')}}\n`;
}

export async function versionCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const info = versionInfo(ctx.io.env);
  const format = cmd.flags.output as string | undefined;
  if (!format) ctx.out(formatVersion(info));
  else if (format === 'json') ctx.out(JSON.stringify({ clientVersion: info }, null, 2) + '\n');
  else if (format === 'yaml') {
    const { stringify } = await import('yaml');
    ctx.out(stringify({ clientVersion: info }));
  } else throw new UserError(`invalid output format "${format}": use yaml or json`);
  return 0;
}
