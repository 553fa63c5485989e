/**
 * `kubectl kudo cluster start`: runs the local control plane in the foreground until
 * SIGINT/SIGTERM and prints how to use it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startControlPlane, type ControlPlaneOptions } from './index.js';

export const USAGE = `usage: kubectl kudo cluster start [--port N] [--host ADDR] [--data-dir DIR] [--kubeconfig PATH] [--simulate-workloads] [--insecure-http] [--authorization rbac|always-allow]`;

export function parseArgs(args: string[]): ControlPlaneOptions {
  const opts: ControlPlaneOptions = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new Error(`flag ${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = value();
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${v}" is not a port number (0-65535)`);
        opts.port = port;
        break;
      }
      case '--host':
        opts.host = value();
        break;
      case '--data-dir':
        opts.dataDir = resolve(value());
        break;
      case '--kubeconfig':
        opts.kubeconfigPath = resolve(value());
        break;
      case '--simulate-workloads':
        opts.simulateWorkloads = true;
        break;
      case '--insecure-http':
        opts.insecureHttp = true;
        break;
      case '--authorization': {
        const v = value();
        if (v !== 'rbac' && v !== 'always-allow') throw new Error(`--authorization: "${v}" is not one of rbac, always-allow`);
        opts.authorization = v;
        break;
      }
      default:
        throw new Error(`unknown flag: ${args[i]}\n${USAGE}`);
    }
  }
  return opts;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let opts: ControlPlaneOptions;
  try {
    opts = parseArgs(args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 2;
  }
  opts.kubeconfigPath ??= opts.dataDir ? join(opts.dataDir, 'kubeconfig') : join(homedir(), '.kube', 'kudo-local.yaml');
  let cp;
  try {
    cp = await startControlPlane({ ...opts, log: (line) => console.error(line) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    console.error(`error: ${err.code === 'EADDRINUSE' ? `port ${opts.port} is already in use` : err.message}`);
    return 1;
  }
  console.log(`Local Kubernetes control plane (v1.33) listening on ${cp.url}`);
  console.log(`Kubeconfig written to ${cp.kubeconfigPath}`);
  console.log(`Use it with:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  kubectl get namespaces`);
  console.log(opts.dataDir ? `Objects are kept in ${opts.dataDir}.` : 'Objects are kept in memory only (use --data-dir to keep them).');
  console.log('Press Ctrl-C to stop.');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await cp.stop();
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
