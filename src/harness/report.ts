/**
 * KUTTL's reports (pure): JUnit XML and the same structure as JSON. One `testsuite` per
 * test dir, one `testcase` per test case (KUTTL v0.8.1 layout), times in seconds.
 */
import type { CaseResult, SuiteResult } from './results.js';

export interface ReportFailure {
  message: string;
  text?: string;
}

export interface ReportTestCase {
  classname: string;
  name: string;
  timestamp: string;
  time: string;
  assertions: number;
  failure?: ReportFailure;
}

export interface ReportTestSuite {
  name: string;
  tests: number;
  failures: number;
  timestamp: string;
  time: string;
  testcase: ReportTestCase[];
}

export interface ReportTestSuites {
  name: string;
  tests: number;
  failures: number;
  time: string;
  testsuite: ReportTestSuite[];
  failure?: ReportFailure;
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);
const timestamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const baseName = (dir: string): string => dir.replace(/\/+$/, '').split('/').pop() ?? dir;

function toTestCase(c: CaseResult): ReportTestCase {
  const tc: ReportTestCase = {
    classname: baseName(c.testDir),
    name: c.name,
    timestamp: timestamp(c.startedAt),
    time: secs(c.durationMs),
    assertions: c.assertions,
  };
  if (c.failure) tc.failure = { message: `failed in step ${c.failure.step}`, text: c.failure.errors.join('\n') };
  return tc;
}

/** The report structure; test dirs in order of first appearance, cases sorted by name. */
export function buildReport(result: SuiteResult): ReportTestSuites {
  const dirs = new Map<string, CaseResult[]>();
  for (const c of result.cases) dirs.set(c.testDir, [...(dirs.get(c.testDir) ?? []), c]);
  const testsuite = [...dirs.entries()].map(([dir, cases]): ReportTestSuite => {
    const sorted = [...cases].sort((a, b) => a.name.localeCompare(b.name));
    const first = Math.min(...cases.map((c) => c.startedAt.getTime()));
    const last = Math.max(...cases.map((c) => c.startedAt.getTime() + c.durationMs));
    return {
      name: dir,
      tests: cases.length,
      failures: cases.filter((c) => c.failure).length,
      timestamp: timestamp(new Date(first)),
      time: secs(last - first),
      testcase: sorted.map(toTestCase),
    };
  });
  const report: ReportTestSuites = {
    name: result.name,
    tests: result.cases.length,
    failures: result.cases.filter((c) => c.failure).length,
    time: secs(result.durationMs),
    testsuite,
  };
  if (result.setupFailure) report.failure = { message: result.setupFailure };
  return report;
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : '',
  );

const attrs = (pairs: [string, string | number][]): string => pairs.map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');

function failureXml(f: ReportFailure, indent: string): string {
  return `${indent}<failure${attrs([['message', f.message]])}>${escapeXml(f.text ?? '')}</failure>\n`;
}

export function reportToXml(report: ReportTestSuites): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites${attrs([
    ['name', report.name],
    ['tests', report.tests],
    ['failures', report.failures],
    ['time', report.time],
  ])}>\n`;
  if (report.failure) xml += failureXml(report.failure, '  ');
  for (const s of report.testsuite) {
    xml += `  <testsuite${attrs([
      ['tests', s.tests],
      ['failures', s.failures],
      ['timestamp', s.timestamp],
      ['time', s.time],
      ['name', s.name],
    ])}>\n`;
    for (const c of s.testcase) {
      const head = `    <testcase${attrs([
        ['classname', c.classname],
        ['name', c.name],
        ['timestamp', c.timestamp],
        ['time', c.time],
        ['assertions', c.assertions],
      ])}`;
      xml += c.failure ? `${head}>\n${failureXml(c.failure, '      ')}    </testcase>\n` : `${head}></testcase>\n`;
    }
    xml += '  </testsuite>\n';
  }
  return xml + '</testsuites>\n';
}

export function reportToJson(report: ReportTestSuites): string {
  return JSON.stringify(report, null, 2) + '\n';
}
