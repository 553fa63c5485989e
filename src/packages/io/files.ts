/**
 * Reading packages from disk: a folder or a .tgz, into the file map the pure
 * package parser takes; writing a package's files back out safely.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parsePackage, type Package } from '../model.js';
import { PackageError } from '../yaml.js';
import { DEFAULT_TAR_LIMITS, readTgz, safeEntryPath, type TarEntry } from './tar.js';

/** Every regular file below a folder, '/'-separated paths in lexical walk order. Symlinks are skipped, as KUDO's tar writer does. */
export function readFolderEntries(dir: string): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? join(dir, rel) : dir;
    for (const name of readdirSync(abs).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(abs, name));
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) {
        if (st.size > DEFAULT_TAR_LIMITS.maxEntryBytes)
          throw new PackageError(`file is larger than ${DEFAULT_TAR_LIMITS.maxEntryBytes} bytes`, join(dir, relPath));
        out.push({ path: relPath, mode: st.mode & 0o777, data: readFileSync(join(abs, name)) });
      }
    }
  };
  walk('');
  return out;
}

/** The files of a package at `path` (a folder or a .tgz file). */
export function readPackageEntries(path: string): TarEntry[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new PackageError(`package path does not exist: ${path}`);
  }
  if (st.isDirectory()) return readFolderEntries(path);
  if (path.endsWith('.tgz') || path.endsWith('.tar.gz')) return readTgz(readFileSync(path), path);
  throw new PackageError(`${path} is neither a package folder nor a .tgz file`);
}

/** Loads a package from a folder or a .tgz. Throws PackageError for user mistakes. */
export function loadPackage(path: string): Package {
  const entries = readPackageEntries(path);
  return parsePackage(new Map(entries.map((e) => [e.path, e.data])), path);
}

/**
 * Writes entries below `dest`, refusing (before writing anything) entries whose path
 * would leave it. Existing symlinked folders inside dest are not followed out of it.
 */
export function writeEntries(entries: readonly TarEntry[], dest: string): void {
  const root = resolve(dest);
  const targets = entries.map((e) => {
    const path = safeEntryPath(e.path, dest);
    const target = resolve(root, ...path.split('/'));
    if (relative(root, target).startsWith('..') || !target.startsWith(root + sep)) throw new PackageError(`refusing to write "${e.path}" outside ${dest}`);
    return { e, target };
  });
  mkdirSync(root, { recursive: true });
  const realRoot = realpathSync(root);
  for (const { e, target } of targets) {
    mkdirSync(dirname(target), { recursive: true });
    const realParent = realpathSync(dirname(target));
    if (realParent !== realRoot && !realParent.startsWith(realRoot + sep))
      throw new PackageError(`refusing to write "${e.path}": a link leads outside ${dest}`);
    try {
      if (lstatSync(target).isSymbolicLink()) throw new PackageError(`refusing to write "${e.path}": the target is a link`);
    } catch (err) {
      if (err instanceof PackageError) throw err;
    }
    writeFileSync(target, e.data, { mode: e.mode || 0o644 });
  }
}
