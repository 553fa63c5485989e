/**
 * A repository's index.yaml, as KUDO reads and writes it: entries per operator name,
 * newest first; resolution by name and versions; building and merging indexes.
 */
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { Package } from '../packages/model.js';
import { compareVersionText } from './semver.js';

export interface Maintainer {
  name?: string;
  email?: string;
}

export interface IndexEntry {
  name: string;
  operatorVersion: string;
  appVersion?: string;
  description?: string;
  maintainers?: Maintainer[];
  urls?: string[];
  digest?: string;
  removed?: boolean;
}

export interface RepoIndex {
  apiVersion: string;
  entries: Record<string, IndexEntry[]>;
  generated?: string;
}

export class IndexError extends Error {}

/** Newest first: by appVersion (semver; anything else counts as smaller), then operatorVersion. */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareVersionText(b.appVersion, a.appVersion) || compareVersionText(b.operatorVersion, a.operatorVersion);
}

export function sortIndex(index: RepoIndex): RepoIndex {
  for (const list of Object.values(index.entries)) list.sort(compareEntries);
  return index;
}

/** Parses and validates an index; `source` names it in messages. */
export function parseIndex(text: string, source: string): RepoIndex {
  let doc: unknown;
  try {
    // Every scalar as a string: a hex digest of digits only must not become a number.
    doc = parse(text, { schema: 'failsafe' });
  } catch (e) {
    throw new IndexError(`${source} is not a valid repository index: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new IndexError(`${source} is not a valid repository index: expected a YAML map`);
  const raw = doc as { apiVersion?: unknown; entries?: unknown; generated?: unknown };
  if (!raw.apiVersion) throw new IndexError(`${source}: no API version defined`);
  const entries: Record<string, IndexEntry[]> = {};
  for (const [name, list] of Object.entries((raw.entries ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new IndexError(`${source}: entries.${name} must be a list`);
    entries[name] = list.map((e: Record<string, unknown>) => {
      if (!e || !e.operatorVersion) throw new IndexError(`${source}: package ${name} is missing an operator version`);
      return {
        ...(e as unknown as IndexEntry),
        ...(e.removed !== undefined ? { removed: e.removed === 'true' } : {}),
        name: String(e.name ?? name),
        operatorVersion: String(e.operatorVersion),
        ...(e.appVersion !== undefined ? { appVersion: String(e.appVersion) } : {}),
      };
    });
  }
  return sortIndex({ apiVersion: String(raw.apiVersion), entries, generated: raw.generated === undefined ? undefined : String(raw.generated) });
}

/** The first (newest) entry matching the versions given; KUDO's FindFirstMatch and its messages. */
export function findEntry(index: RepoIndex, name: string, appVersion?: string, operatorVersion?: string): IndexEntry {
  const list = (index.entries[name] ?? []).filter((e) => !e.removed);
  if (!list.length) throw new IndexError(`no operator found for: ${name}`);
  const match = list.find((e) => (!appVersion || e.appVersion === appVersion) && (!operatorVersion || e.operatorVersion === operatorVersion));
  if (!match) {
    const wanted = [appVersion, operatorVersion].filter(Boolean).join('_');
    throw new IndexError(`no operator version found for ${name}-${wanted}`);
  }
  return match;
}

/** YAML as KUDO writes it (keys sorted, Go-style sequences, timestamps quoted). */
export function formatIndex(index: RepoIndex): string {
  const names = Object.keys(index.entries).sort();
  const doc = { apiVersion: index.apiVersion, entries: Object.fromEntries(names.map((n) => [n, index.entries[n]])), generated: index.generated };
  return stringify(doc, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The tarball name KUDO gives a package: `<name>-<appVersion>_<operatorVersion>.tgz` or `<name>-<operatorVersion>.tgz`. */
export function packageFileName(name: string, appVersion: string | undefined, operatorVersion: string): string {
  return appVersion ? `${name}-${appVersion}_${operatorVersion}.tgz` : `${name}-${operatorVersion}.tgz`;
}

/** The index entry for one package tarball served below `baseUrl`. */
export function entryFor(pkg: Package, tgz: Uint8Array, baseUrl: string, fileName: string): IndexEntry {
  const op = pkg.operator;
  return {
    name: op.name ?? '',
    operatorVersion: op.operatorVersion ?? '',
    ...(op.appVersion ? { appVersion: op.appVersion } : {}),
    ...(op.description ? { description: op.description } : {}),
    ...(op.maintainers?.length ? { maintainers: op.maintainers } : {}),
    urls: [`${baseUrl.replace(/\/+$/, '')}/${fileName}`],
    digest: sha256Hex(tgz),
  };
}

const sameVersion = (a: IndexEntry, b: IndexEntry): boolean =>
  a.name === b.name && a.operatorVersion === b.operatorVersion && (a.appVersion ?? '') === (b.appVersion ?? '');

/** Adds the entries of `other` that `index` does not have (local entries win). */
export function mergeIndex(index: RepoIndex, other: RepoIndex): RepoIndex {
  for (const [name, list] of Object.entries(other.entries)) {
    const mine = (index.entries[name] ??= []);
    for (const e of list) if (!mine.some((m) => sameVersion(m, e))) mine.push(e);
  }
  return sortIndex(index);
}

/** Matching names for `search`: substring match, sorted by name. */
export function searchIndex(index: RepoIndex, criteria: string): IndexEntry[][] {
  return Object.keys(index.entries)
    .filter((n) => n.includes(criteria))
    .sort()
    .map((n) => index.entries[n].filter((e) => !e.removed))
    .filter((l) => l.length > 0);
}
