/** `repo add|remove|list|context|index` and `search`. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTgz } from '../../packages/io/tar.js';
import { parsePackage } from '../../packages/model.js';
import { pickRepository, repositoriesOrDefault, requireRepositories, writeRepositories } from '../../repo/config.js';
import { fetchBytes, isUrl, joinUrl } from '../../repo/fetch.js';
import { entryFor, formatIndex, mergeIndex, parseIndex, searchIndex, sortIndex, type RepoIndex } from '../../repo/index-file.js';
import { fetchIndex } from '../../repo/resolve.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { table } from '../format.js';

export async function repoAddCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length < 2) throw new UsageError('this command needs 2. name and url of the operator repository');
  const [name, url] = cmd.positional;
  const file = requireRepositories(ctx.settings.home);
  if (file.repositories.some((r) => r.name === name)) throw new UserError(`repository name (${name}) already exists, please specify a different name`);
  if (!cmd.flags['skip-check']) {
    try {
      await fetchIndex({ name, url });
    } catch (e) {
      throw new UserError(`looks like "${url}" is not a valid operator repository or cannot be reached: ${(e as Error).message}`);
    }
  }
  file.repositories.push({ name, url });
  writeRepositories(ctx.settings.home, file);
  ctx.out(`"${name}" has been added to your repositories\n`);
  return 0;
}

export async function repoRemoveCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (!cmd.positional.length) throw new UsageError('name the repositories to remove: kubectl kudo repo remove NAME...');
  const file = requireRepositories(ctx.settings.home);
  for (const name of cmd.positional) {
    if (!file.repositories.some((r) => r.name === name)) throw new UserError(`no repo named "${name}" found; see "kubectl kudo repo list"`);
    file.repositories = file.repositories.filter((r) => r.name !== name);
    writeRepositories(ctx.settings.home, file);
    ctx.out(`"${name}" has been removed from your repositories\n`);
  }
  return 0;
}

export function repoListText(file: { context: string; repositories: { name: string; url: string }[] }): string {
  return table([['NAME', 'URL'], ...file.repositories.map((r) => [(r.name === file.context ? '*' : '') + r.name, r.url])]);
}

export async function repoListCommand(ctx: CliContext): Promise<number> {
  ctx.out(repoListText(repositoriesOrDefault(ctx.settings.home)));
  return 0;
}

export async function repoContextCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length !== 1) throw new UsageError('this command needs 1 argument: the name of a configured repository');
  const file = requireRepositories(ctx.settings.home);
  const [name] = cmd.positional;
  if (!file.repositories.some((r) => r.name === name)) throw new UserError(`no repo named "${name}" found; see "kubectl kudo repo list"`);
  file.context = name;
  writeRepositories(ctx.settings.home, file);
  ctx.out(`"${name}" is now the current repository\n`);
  return 0;
}

/** Builds the index of the .tgz packages in a folder; invalid packages are reported and skipped. */
export function indexFolder(dir: string, baseUrl: string, warn: (line: string) => void): RepoIndex {
  const index: RepoIndex = { apiVersion: 'v1', entries: {} };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.tgz')) continue;
    const path = join(dir, name);
    try {
      const data = readFileSync(path);
      const pkg = parsePackage(new Map(readTgz(data, path).map((e) => [e.path, e.data])), path);
      if (!pkg.operator.name || !pkg.operator.operatorVersion) throw new Error('missing name or operatorVersion');
      (index.entries[pkg.operator.name] ??= []).push(entryFor(pkg, data, baseUrl, name));
    } catch {
      warn(`WARNING: operator: ${path} is invalid`);
    }
  }
  return sortIndex(index);
}

export async function repoIndexCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length !== 1) throw new UsageError('this command needs 1 argument: the folder with the package tarballs');
  const dir = ctx.path(cmd.positional[0]);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${cmd.positional[0]} is not a folder`);
  if (cmd.given.has('url') && cmd.flags['url-repo']) throw new UsageError('use either --url or --url-repo, not both');
  if (cmd.flags.merge && cmd.flags['merge-repo']) throw new UsageError('use either --merge or --merge-repo, not both');
  const out = join(dir, 'index.yaml');
  if (existsSync(out) && !cmd.flags.overwrite) throw new UserError(`index file ${out} already exists; use --overwrite to replace it`);
  const repos = () => repositoriesOrDefault(ctx.settings.home);
  const baseUrl = cmd.flags['url-repo'] ? pickRepository(repos(), cmd.flags['url-repo'] as string).url : (cmd.flags.url as string);
  let index = indexFolder(dir, baseUrl, (line) => ctx.out(line + '\n'));
  if (!Object.keys(index.entries).length)
    throw new UserError(`no packages discovered in ${cmd.positional[0]} (expected .tgz files made with "kubectl kudo package create")`);
  const merge = cmd.flags['merge-repo']
    ? joinUrl(pickRepository(repos(), cmd.flags['merge-repo'] as string).url, 'index.yaml')
    : (cmd.flags.merge as string | undefined);
  if (merge) {
    const source = isUrl(merge) ? merge : ctx.path(merge);
    index = mergeIndex(index, parseIndex((await fetchBytes(source)).toString('utf8'), merge));
  }
  index.generated = new Date().toISOString();
  writeFileSync(out, formatIndex(index));
  ctx.out(`index ${out} created.\n`);
  return 0;
}

export function searchText(index: RepoIndex, criteria: string, allVersions: boolean): string | undefined {
  const found = searchIndex(index, criteria);
  if (!found.length) return undefined;
  const rows = [['Name', 'Operator Version', 'App Version']];
  for (const list of found)
    (allVersions ? list : list.slice(0, 1)).forEach((e, i) => rows.push([i === 0 ? e.name : '', e.operatorVersion, e.appVersion ?? '']));
  return table(rows);
}

export async function searchCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length > 1) throw new UsageError('this command must have only 1 search criterion');
  const repo = pickRepository(repositoriesOrDefault(ctx.settings.home), cmd.flags.repo as string | undefined);
  const text = searchText(await fetchIndex(repo), cmd.positional[0] ?? '', cmd.flags['all-versions'] as boolean);
  ctx.out(text ?? 'no operators found\n');
  return 0;
}
