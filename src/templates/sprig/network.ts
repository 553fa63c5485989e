/**
 * Sprig's getHostByName: a DNS lookup, synchronous as template functions are.
 * The lookup runs in a worker thread while this thread waits on a shared
 * buffer, so rendering stays synchronous without blocking forever (5 s cap).
 */
import { randomInt } from 'node:crypto';
import { Worker, receiveMessageOnPort, MessageChannel } from 'node:worker_threads';
import { FuncError, type FuncMap } from '../values.js';
import { def } from './strings.js';

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const dns = require('node:dns');
const { name, port, flag } = workerData;
dns.lookup(name, { all: true }, (err, addrs) => {
  port.postMessage(err ? [] : addrs.map((a) => a.address));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

const TIMEOUT_MS = 5000;

/** The addresses of a host name (empty when it does not resolve). */
export function lookupHostSync(name: string): string[] {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { name, port: port2, flag }, transferList: [port2] });
  try {
    Atomics.wait(flag, 0, 0, TIMEOUT_MS);
    const msg = receiveMessageOnPort(port1);
    return msg ? (msg.message as string[]) : [];
  } finally {
    port1.close();
    void worker.terminate();
  }
}

export const networkFuncs: FuncMap = {
  getHostByName: def(['string'], (name: string) => {
    const addrs = lookupHostSync(name);
    // Sprig picks one at random; with none, Go's rand.Intn(0) panics.
    if (addrs.length === 0) throw new FuncError('invalid argument to Intn');
    return addrs[randomInt(addrs.length)];
  }),
};
