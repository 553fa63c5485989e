/**
 * Durability for `--data-dir`: an append-only log of changes, each line fsync'ed before the
 * write is acknowledged. On start the log is replayed (a torn last line from a crash is
 * ignored) and rewritten compactly, so it holds one line per live object.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../k8s/object.js';

export interface RestoredObject {
  resource: string;
  object: KubeObject;
}

interface LogLine {
  rv: number;
  r?: string;
  k?: string;
  o?: KubeObject | null;
}

export class DurableLog {
  private fd: number | undefined;
  private readonly file: string;
  private lines = 0;
  private live = 0;

  /** `minLinesBeforeCompaction`: the log is rewritten once it is this long and 4 times the live objects. */
  constructor(
    readonly dir: string,
    private readonly minLinesBeforeCompaction = 10_000,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'objects.log');
  }

  /** Reads the log, compacts it, and opens it for appending. */
  restore(): { rv: number; objects: RestoredObject[] } {
    const live = new Map<string, RestoredObject>();
    let rv = 0;
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          break; // a write torn by a crash: it was never acknowledged
        }
        rv = Math.max(rv, entry.rv);
        if (entry.r === undefined || entry.k === undefined) continue;
        const id = `${entry.r} ${entry.k}`;
        if (entry.o) live.set(id, { resource: entry.r, object: entry.o });
        else live.delete(id);
      }
    }
    const objects = [...live.values()];
    this.rewrite(rv, objects);
    return { rv, objects };
  }

  /** Replaces the log with one line per live object (written aside, fsync'ed, then renamed). */
  rewrite(rv: number, objects: Iterable<RestoredObject>): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify({ rv }) + '\n');
    let n = 0;
    for (const r of objects) {
      const key = `${r.object.metadata.namespace ?? ''}/${r.object.metadata.name}`;
      writeSync(fd, JSON.stringify({ rv: Number(r.object.metadata.resourceVersion), r: r.resource, k: key, o: r.object }) + '\n');
      n++;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    this.fd = openSync(this.file, 'a');
    this.lines = n + 1;
    this.live = n;
  }

  /** Appends one change and fsyncs it; `liveDelta` is +1 for a new object, -1 for a removal. */
  append(rv: number, resource: string, key: string, object: KubeObject | null, liveDelta = 0): void {
    if (this.fd === undefined) throw new Error('durable log used before restore()');
    writeSync(this.fd, JSON.stringify({ rv, r: resource, k: key, o: object }) + '\n');
    fsyncSync(this.fd);
    this.lines++;
    this.live += liveDelta;
  }

  /** Whether the log has grown well past the live objects and should be rewritten. */
  get wantsCompaction(): boolean {
    return this.lines > Math.max(this.minLinesBeforeCompaction, 4 * this.live);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
