/** Loading the TestSuite config file (`--config`, else ./kudo-test.yaml or ./kuttl-test.yaml). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeTestSuite } from './kuttl-objects.js';
import { HarnessError, type TestSuite } from './types.js';
import { harnessKind, readYamlFile } from './yaml-files.js';

export const DEFAULT_CONFIG_FILES = ['kudo-test.yaml', 'kuttl-test.yaml'];

/** Reads a config file holding one TestSuite document. */
export function loadSuiteFile(path: string, warn: (msg: string) => void): TestSuite {
  if (!existsSync(path)) throw new HarnessError(`config file ${path} does not exist`);
  const { documents } = readYamlFile(path);
  const suites = documents.filter((d) => harnessKind(d.object) === 'TestSuite');
  const others = documents.filter((d) => harnessKind(d.object) !== 'TestSuite');
  if (others.length) {
    const o = others[0];
    throw new HarnessError(`${path}:${o.line}: expected a kuttl.dev/v1beta1 TestSuite, found ${o.object.apiVersion} ${o.object.kind}`);
  }
  if (suites.length === 0) throw new HarnessError(`${path}: no TestSuite document found`);
  if (suites.length > 1) throw new HarnessError(`${path}:${suites[1].line}: more than one TestSuite in the config file`);
  if (suites[0].object.apiVersion.startsWith('kudo.dev/')) warn(`${path}: ${suites[0].object.apiVersion} TestSuite is deprecated; use kuttl.dev/v1beta1`);
  return decodeTestSuite(suites[0].object, `${path}:${suites[0].line}`, warn);
}

/** The config file to use: the explicit one, else the first default present in `cwd`. */
export function findConfigFile(cwd: string, explicit?: string): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}
