/**
 * Turning a package argument into a loaded package, as KUDO's resolver does: a local
 * folder or .tgz when the argument contains a path separator, else a URL to a .tgz,
 * else a name looked up in a repository (digests verified). Dependencies (KudoOperator
 * tasks) are resolved relative to their parent package, and the versions found are
 * written back into the parent's OperatorVersion.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { operatorVersionName } from '../api/types.js';
import { packageToResources, type PackageResources } from '../packages/convert.js';
import { loadPackage } from '../packages/io/files.js';
import { readTgz } from '../packages/io/tar.js';
import { parsePackage, type Package } from '../packages/model.js';
import { PackageError } from '../packages/yaml.js';
import { fetchBytes, joinUrl } from './fetch.js';
import { findEntry, parseIndex, sha256Hex, type RepoIndex } from './index-file.js';
import { pickRepository, repositoriesOrDefault, type RepositoryConfig } from './config.js';
import { UserError } from '../cli/errors.js';

export interface ResolvedPackage {
  pkg: Package;
  resources: PackageResources;
  /** Where it came from, for messages. */
  source: string;
  /** The folder relative dependencies are resolved against (local packages only). */
  baseDir?: string;
}

export interface ResolveOptions {
  cwd: string;
  home: string;
  /** --repo: a configured repository name. */
  repo?: string;
  appVersion?: string;
  operatorVersion?: string;
}

/** A local path is an argument containing a path separator (KUDO: filepath.Base(arg) != arg) or ending in .tgz. */
export const isLocalPath = (arg: string): boolean => basename(arg) !== arg || arg === '.' || arg === '..' || (arg.endsWith('.tgz') && existsSync(arg));

function fromLocal(path: string): ResolvedPackage {
  if (!existsSync(path)) throw new UserError(`package path does not exist: ${path}`);
  let pkg: Package;
  try {
    pkg = loadPackage(path);
  } catch (e) {
    // Name the file inside the package folder, not just "operator.yaml".
    if (e instanceof PackageError && e.file && !isAbsolute(e.file) && statSync(path).isDirectory())
      throw new PackageError(e.detail, join(path, e.file), e.line);
    throw e;
  }
  return { pkg, resources: packageToResources(pkg), source: path, baseDir: statSync(path).isDirectory() ? path : dirname(path) };
}

function fromTgz(data: Uint8Array, source: string): ResolvedPackage {
  const pkg = parsePackage(new Map(readTgz(data, source).map((e) => [e.path, e.data])), source);
  return { pkg, resources: packageToResources(pkg), source };
}

/** The index of a repository (`<url>/index.yaml`). */
export async function fetchIndex(repo: RepositoryConfig): Promise<RepoIndex> {
  const url = joinUrl(repo.url, 'index.yaml');
  return parseIndex((await fetchBytes(url)).toString('utf8'), url);
}

/** Downloads a package named in a repository, trying each URL, and checks its digest. */
export async function fromRepository(name: string, opts: ResolveOptions): Promise<ResolvedPackage> {
  const repo = pickRepository(repositoriesOrDefault(opts.home), opts.repo);
  const index = await fetchIndex(repo);
  const entry = findEntry(index, name, opts.appVersion, opts.operatorVersion);
  const errors: string[] = [];
  for (const url of entry.urls ?? []) {
    let data: Buffer;
    try {
      data = await fetchBytes(url);
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    if (entry.digest && sha256Hex(data) !== entry.digest.toLowerCase())
      throw new UserError(
        `the package downloaded from ${url} does not match the digest in the index of repository "${repo.name}" (expected ${entry.digest}, got ${sha256Hex(data)}); the repository may be corrupt or tampered with`,
      );
    return fromTgz(data, url);
  }
  throw new UserError(`could not download ${name} ${entry.operatorVersion} from repository "${repo.name}": ${errors.join('; ') || 'the index lists no URLs'}`);
}

/** Resolves the package argument of install/upgrade/diff. */
export async function resolvePackage(arg: string, opts: ResolveOptions): Promise<ResolvedPackage> {
  if (/^https?:\/\//i.test(arg)) return fromTgz(await fetchBytes(arg), arg);
  if (/^file:/i.test(arg)) return fromTgz(await fetchBytes(arg), arg);
  if (isLocalPath(arg)) return fromLocal(resolve(opts.cwd, arg));
  return fromRepository(arg, opts);
}

export interface ResolvedTree {
  root: ResolvedPackage;
  /** Every dependency once (by OperatorVersion name), children before parents. */
  dependencies: ResolvedPackage[];
}

const ovName = (r: ResolvedPackage): string => r.resources.operatorVersion.metadata.name ?? '';

/** Resolves the KudoOperator dependencies depth-first, rewriting each task's package and versions to what was found. */
export async function resolveDependencies(root: ResolvedPackage, opts: ResolveOptions): Promise<ResolvedTree> {
  const found = new Map<string, ResolvedPackage>();
  const order: ResolvedPackage[] = [];
  const edges = new Map<string, Set<string>>();
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return [...(edges.get(from) ?? [])].some((n) => reaches(n, to, seen));
  };
  const walk = async (parent: ResolvedPackage): Promise<void> => {
    for (const task of parent.resources.operatorVersion.spec?.tasks ?? []) {
      if (task.kind !== 'KudoOperator' || !task.spec?.package) continue;
      const spec = task.spec;
      const pkgArg = spec.package!;
      let child: ResolvedPackage;
      try {
        const local = parent.baseDir && isLocalPath(pkgArg);
        child = local
          ? fromLocal(resolve(parent.baseDir!, pkgArg))
          : await resolvePackage(pkgArg, { ...opts, cwd: parent.baseDir ?? opts.cwd, appVersion: spec.appVersion, operatorVersion: spec.operatorVersion });
      } catch (e) {
        throw new UserError(
          `failed to resolve package Operator: "${pkgArg}", OperatorVersion: "${spec.operatorVersion || 'any'}", AppVersion "${spec.appVersion || 'any'}", dependency of package ${ovName(parent)}: ${(e as Error).message}`,
        );
      }
      const childOp = child.pkg.operator;
      spec.package = childOp.name;
      spec.operatorVersion = childOp.operatorVersion;
      if (childOp.appVersion) spec.appVersion = childOp.appVersion;
      else delete spec.appVersion;
      const from = ovName(parent);
      const to = operatorVersionName(childOp.name ?? '', childOp.appVersion, childOp.operatorVersion ?? '');
      if (reaches(to, from)) throw new UserError(`cyclic package dependency found when adding package ${from} -> ${to}`);
      (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      if (found.has(to)) continue;
      found.set(to, child);
      await walk(child);
      order.push(child);
    }
  };
  await walk(root);
  return { root, dependencies: order };
}
