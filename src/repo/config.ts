/** `$KUDO_HOME/repository/repositories.yaml`: the configured repositories and the current one. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UserError } from '../cli/errors.js';

export interface RepositoryConfig {
  name: string;
  url: string;
}

export interface RepositoriesFile {
  context: string;
  repoVersion: string;
  repositories: RepositoryConfig[];
}

export const COMMUNITY_REPO: RepositoryConfig = { name: 'community', url: 'https://kudo-repository.storage.googleapis.com/v1' };

export const defaultRepositories = (): RepositoriesFile => ({ context: COMMUNITY_REPO.name, repoVersion: 'v1', repositories: [{ ...COMMUNITY_REPO }] });

export const repositoriesPath = (home: string): string => join(home, 'repository', 'repositories.yaml');

/** Reads the file; undefined when it does not exist. */
export function readRepositories(home: string): RepositoriesFile | undefined {
  const path = repositoriesPath(home);
  if (!existsSync(path)) return undefined;
  let doc: Partial<RepositoriesFile> | null;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Partial<RepositoriesFile> | null;
  } catch (e) {
    throw new UserError(`could not load repositories file (${path}): ${(e as Error).message.split('\n')[0]}`);
  }
  const repositories = (doc?.repositories ?? []).filter((r) => r && r.name && r.url).map((r) => ({ name: String(r.name), url: String(r.url) }));
  return { context: String(doc?.context ?? ''), repoVersion: String(doc?.repoVersion ?? 'v1'), repositories };
}

/** The file, or the built-in default when there is none (for resolving packages). */
export const repositoriesOrDefault = (home: string): RepositoriesFile => readRepositories(home) ?? defaultRepositories();

/** The file for commands that change it: missing is an error, as in KUDO. */
export function requireRepositories(home: string): RepositoriesFile {
  const r = readRepositories(home);
  if (!r)
    throw new UserError(
      `could not load repositories file (${repositoriesPath(home)}). You might need to run \`kubectl kudo init\` (or \`kubectl kudo init --client-only\`) first`,
    );
  return r;
}

export function writeRepositories(home: string, file: RepositoriesFile): void {
  const path = repositoriesPath(home);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify({ context: file.context, repoVersion: file.repoVersion, repositories: file.repositories }, { indentSeq: false }));
  renameSync(tmp, path);
}

/** Creates $KUDO_HOME, its repository folder and the default repositories.yaml when missing (`init`). */
export function ensureHome(home: string): void {
  mkdirSync(join(home, 'repository'), { recursive: true });
  if (!existsSync(repositoriesPath(home))) writeRepositories(home, defaultRepositories());
}

/** The repository by name, or the current context's. */
export function pickRepository(file: RepositoriesFile, name?: string): RepositoryConfig {
  const wanted = name || file.context;
  const repo = file.repositories.find((r) => r.name === wanted);
  if (!repo)
    throw new UserError(
      name
        ? `no repo named "${name}" found; see "kubectl kudo repo list"`
        : `the current repository context "${file.context}" is not configured; set one with "kubectl kudo repo context NAME"`,
    );
  return repo;
}
