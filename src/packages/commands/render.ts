/**
 * `package render <pkg> [--plan deploy] [-p k=v ...] [-P file ...] [--instance name]
 * [--namespace ns] [--output-dir dir]`: prints, step by step, the objects each task would
 * apply or delete, exactly as the manager would send them on a fresh install.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../k8s/object.js';
import { marshalYaml } from '../goyaml.js';
import { loadPackage } from '../io/files.js';
import { mergeParameters } from '../params.js';
import { renderPlan, type RenderedTask } from '../plan-render.js';
import { PackageError } from '../yaml.js';
import { fail, ok, type CommandResult } from './result.js';

export interface RenderOptions {
  plan?: string;
  parameters?: string[];
  parameterFiles?: string[];
  instance?: string;
  namespace?: string;
  outputDir?: string;
}

const yamlDoc = (o: KubeObject): string => '---\n' + marshalYaml(o as never);

function describeTask(t: RenderedTask): { header: string; objects: KubeObject[] } {
  const where = `step ${t.phase}/${t.step}, task ${t.task} (${t.kind})`;
  const r = t.result;
  switch (r.action) {
    case 'none':
      return { header: `# ${where}: nothing to apply`, objects: [] };
    case 'apply':
    case 'delete':
      return { header: `# ${where}: ${r.action} ${r.objects.length} object${r.objects.length === 1 ? '' : 's'}`, objects: r.objects };
    case 'instance':
      return { header: `# ${where}: apply child instance ${r.objects[0].metadata.name ?? ''}`, objects: r.objects };
    case 'pipe': {
      const stores = r.artifacts.map((a) => `#   then store ${a.file ?? a.envFile} from the pod as ${a.kind} ${a.name} (.Pipes.${a.key})`);
      return { header: [`# ${where}: apply pipe pod ${r.pod.metadata.name ?? ''}`, ...stores].join('\n'), objects: [r.pod] };
    }
  }
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

export function renderCommand(path: string | undefined, opts: RenderOptions = {}): CommandResult {
  if (!path) return fail('expecting exactly one argument - the package folder or .tgz to render');
  const pkg = loadPackage(path);
  const files = (opts.parameterFiles ?? []).map((f) => {
    try {
      return { name: f, text: readFileSync(f, 'utf8') };
    } catch {
      throw new PackageError(`cannot read parameter file ${f}`);
    }
  });
  const parameters = mergeParameters(files, opts.parameters ?? []);
  const rendered = renderPlan(pkg, { plan: opts.plan, instanceName: opts.instance, namespace: opts.namespace, parameters });
  const intro = `# plan ${rendered.plan} of ${pkg.operator.name ?? ''} for instance ${rendered.instance.namespace}/${rendered.instance.name}\n# offline: the instance uid ${rendered.instance.uid} and plan uid ${rendered.planUid} stand in for the ones the cluster assigns\n`;
  if (opts.outputDir) {
    mkdirSync(opts.outputDir, { recursive: true });
    const written: string[] = [];
    rendered.tasks.forEach((t, i) => {
      const { header, objects } = describeTask(t);
      const file = join(opts.outputDir!, `${String(i + 1).padStart(2, '0')}-${safeName(t.phase)}-${safeName(t.step)}-${safeName(t.task)}.yaml`);
      writeFileSync(file, `${header}\n${objects.map(yamlDoc).join('')}`);
      written.push(file);
    });
    return ok(intro + written.map((f) => `wrote ${f}\n`).join(''));
  }
  let out = intro;
  for (const t of rendered.tasks) {
    const { header, objects } = describeTask(t);
    out += `${header}\n${objects.map(yamlDoc).join('')}`;
  }
  return ok(out);
}
