import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { KubeObject } from '../k8s/object.js';
import { ApiError, isConflict } from './cluster.js';
import type { WatchEvent } from './cluster.js';
import { fromKubeconfigText, HttpCluster, LineSplitter } from './http-cluster.js';
import { discovery, kubeconfigFor, sendJson, sendStatus, startFakeServer } from './testing/fake-server.js';
import type { FakeServer, Handler } from './testing/fake-server.js';
import { acceptKey, encodeFrame, FrameParser, OP_BINARY, OP_CLOSE, OP_CONTINUATION } from './websocket.js';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const fast = { retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 } };

async function setup(
  handler: Handler,
  opts: { kubeconfig?: (url: string) => string; requestTimeoutMs?: number } = {},
): Promise<{ server: FakeServer; cluster: HttpCluster }> {
  const server = await startFakeServer(async (req, res, raw) => {
    const path = req.url.split('?')[0];
    const doc = discovery(path);
    if (req.method === 'GET' && doc && !req.url.includes('watch')) return sendJson(res, 200, doc);
    return handler(req, res, raw);
  });
  const cluster = await fromKubeconfigText((opts.kubeconfig ?? kubeconfigFor)(server.url), {
    ...fast,
    requestTimeoutMs: opts.requestTimeoutMs,
    userAgent: 'kudo-test/1.0',
  });
  cleanups.push(
    () => server.close(),
    () => cluster.close(),
  );
  return { server, cluster };
}

const nonDiscovery = (s: FakeServer) => s.requests.filter((r) => !/^\/(api\/v1|apis\/[^/]+\/[^/]+)$/.test(r.url));
const cm = (name: string, ns?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(ns ? { namespace: ns } : {}) },
  data: { k: 'v' },
});

describe('HttpCluster requests', () => {
  it('builds paths, sends JSON with credentials, and parses answers', async () => {
    const { server, cluster } = await setup((req, res) => {
      if (req.method === 'POST') return sendJson(res, 201, { ...JSON.parse(req.body), metadata: { ...JSON.parse(req.body).metadata, uid: 'u1' } });
      if (req.method === 'GET' && req.url === '/api/v1/namespaces/kube-system')
        return sendJson(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
      if (req.method === 'GET') return sendStatus(res, 404, 'NotFound', 'configmaps "x" not found');
      if (req.method === 'PATCH') return sendJson(res, 200, cm('p'));
      if (req.method === 'DELETE')
        return req.url.includes('gone') ? sendStatus(res, 404, 'NotFound', 'gone') : sendJson(res, 200, { kind: 'Status', status: 'Success' });
      sendJson(res, 200, JSON.parse(req.body));
    });
    const created = await cluster.create(cm('a'), { dryRun: true, fieldManager: 'kudo' });
    assert.equal(created.metadata.uid, 'u1');
    const post = nonDiscovery(server).at(-1)!;
    assert.equal(post.url, '/api/v1/namespaces/default/configmaps?dryRun=All&fieldManager=kudo');
    assert.equal(post.headers.authorization, 'Bearer test-token');
    assert.equal(post.headers['user-agent'], 'kudo-test/1.0');
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'x', name: 'x' }), undefined);
    // Cluster-scoped kinds never get a namespace segment.
    assert.equal((await cluster.get({ apiVersion: 'v1', kind: 'Namespace', namespace: 'ignored', name: 'kube-system' }))?.metadata.name, 'kube-system');
    await cluster.update({ ...cm('b', 'ns1'), metadata: { name: 'b', namespace: 'ns1', resourceVersion: '5' } });
    await cluster.updateStatus({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns1' } });
    await cluster.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns1', name: 'd' }, 'strategic', { spec: { replicas: 2 } });
    await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c' }, 'apply', cm('c'), { force: true });
    assert.equal(
      await cluster.delete(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' },
        { propagationPolicy: 'Foreground', preconditions: { uid: 'u' } },
      ),
      true,
    );
    assert.equal(await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'gone' }), false);
    const reqs = nonDiscovery(server).map((r) => `${r.method} ${r.url} ${r.headers['content-type'] ?? ''}`);
    assert.deepEqual(reqs.slice(3), [
      'PUT /api/v1/namespaces/ns1/configmaps/b application/json',
      'PUT /apis/apps/v1/namespaces/ns1/deployments/d/status application/json',
      'PATCH /apis/apps/v1/namespaces/ns1/deployments/d application/strategic-merge-patch+json',
      'PATCH /api/v1/namespaces/default/configmaps/c?fieldManager=kudo-test&force=true application/apply-patch+yaml',
      'DELETE /api/v1/namespaces/n/configmaps/c application/json',
      'DELETE /api/v1/namespaces/n/configmaps/gone application/json',
    ]);
    assert.deepEqual(JSON.parse(nonDiscovery(server).at(-2)!.body), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u' },
    });
  });

  it('throws ApiError with the server Status, or a synthesized one', async () => {
    const { cluster } = await setup((req, res) => {
      if (req.url.includes('conflict')) return sendStatus(res, 409, 'Conflict', 'the object has been modified');
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('plain failure');
    });
    const e1 = await cluster.update(cm('conflict', 'n')).catch((e) => e);
    assert.ok(isConflict(e1));
    assert.equal(e1.message, 'the object has been modified');
    const e2: ApiError = await cluster.create(cm('x')).catch((e) => e);
    assert.equal(e2.code, 400);
    assert.equal(e2.reason, 'BadRequest');
    assert.equal(e2.message, 'plain failure');
    assert.equal(e2.verb, 'POST');
  });

  it('reports an unreachable server with a Status naming it', async () => {
    const dead = await startFakeServer(() => {});
    const url = dead.url;
    await dead.close();
    const cluster = await fromKubeconfigText(kubeconfigFor(url), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const e: ApiError = await cluster.request('GET', '/version').catch((x) => x);
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 503);
    assert.match(e.message, new RegExp(`^unable to connect to the server at ${url}: .*ECONNREFUSED`));
    cluster.close();
  });

  it('retries 429 for any verb honouring Retry-After, 5xx only for idempotent verbs, and dropped connections', async () => {
    let posts = 0;
    let gets = 0;
    let puts = 0;
    const { server, cluster } = await setup((req, res, raw) => {
      if (req.method === 'POST' && req.url.includes('throttled')) {
        return ++posts < 3 ? sendStatus(res, 429, 'TooManyRequests', 'slow down', { 'retry-after': '0' }) : sendJson(res, 201, cm('t'));
      }
      if (req.method === 'POST') return sendStatus(res, 500, 'InternalError', 'boom');
      if (req.method === 'GET') return ++gets < 3 ? sendStatus(res, 503, 'ServiceUnavailable', 'later') : sendJson(res, 200, cm('g'));
      if (req.method === 'PUT') {
        // The first PUT loses its connection before any answer.
        if (++puts === 1) return void raw.socket.destroy();
        return sendJson(res, 200, cm('u'));
      }
    });
    assert.equal((await cluster.create({ ...cm('x'), metadata: { name: 'x', namespace: 'throttled' } })).metadata.name, 't');
    assert.equal(posts, 3);
    assert.equal((await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'g' }))?.metadata.name, 'g');
    assert.equal(gets, 3);
    const before = nonDiscovery(server).length;
    await assert.rejects(cluster.create(cm('y')), (e: ApiError) => e.code === 500);
    assert.equal(nonDiscovery(server).length, before + 1, 'a POST answered 500 is not resent');
    assert.equal((await cluster.update(cm('u', 'n'))).metadata.name, 'u');
    assert.equal(puts, 2);
  });

  it('gives up after the configured attempts', async () => {
    const { server, cluster } = await setup((_req, res) => sendStatus(res, 503, 'ServiceUnavailable', 'down'));
    await assert.rejects(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }), /down/);
    assert.equal(nonDiscovery(server).length, 4);
  });

  it('times out requests that get no answer', async () => {
    const { cluster } = await setup(() => {}, { requestTimeoutMs: 100 });
    const started = Date.now();
    const e: ApiError = await cluster.create(cm('x')).catch((x) => x);
    assert.equal(e.code, 504);
    assert.match(e.message, /POST .*\/configmaps: no response within 100 ms/);
    assert.ok(Date.now() - started < 1000);
  });

  it('refreshes credentials once after a 401', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-cluster-exec-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'plugin.sh');
    const counter = join(dir, 'n');
    writeFileSync(counter, '');
    writeFileSync(
      script,
      `#!/bin/sh\necho x >> ${counter}\nn=$(wc -l < ${counter})\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t'$n'"}}'\n`,
    );
    chmodSync(script, 0o755);
    const user = `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${script}}}`;
    const { server, cluster } = await setup(
      (req, res) => (req.headers.authorization === 'Bearer t2' ? sendJson(res, 200, cm('ok')) : sendStatus(res, 401, 'Unauthorized', 'Unauthorized')),
      { kubeconfig: (url) => kubeconfigFor(url, user) },
    );
    assert.equal((await cluster.create(cm('x'))).metadata.name, 'ok');
    assert.deepEqual(
      nonDiscovery(server).map((r) => r.headers.authorization),
      ['Bearer t1', 'Bearer t2'],
    );
    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 2);
  });
});

describe('HttpCluster discovery', () => {
  it('caches group-versions, refreshes once for an unknown kind, and forgets on invalidateDiscovery', async () => {
    let crdExists = false;
    const server = await startFakeServer((req, res) => {
      if (req.url === '/apis/example.com/v1') {
        return crdExists
          ? sendJson(res, 200, discovery(req.url, { '/apis/example.com/v1': [{ name: 'widgets', kind: 'Widget', namespaced: true }] }))
          : sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
      }
      const doc = discovery(req.url);
      return doc ? sendJson(res, 200, doc) : sendStatus(res, 404, 'NotFound', 'nope');
    });
    const cluster = await fromKubeconfigText(kubeconfigFor(server.url), fast);
    cleanups.push(
      () => server.close(),
      () => cluster.close(),
    );
    const d = await cluster.resourceFor('apps/v1', 'Deployment');
    assert.deepEqual(d, {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespaced: true,
      verbs: d.verbs,
      subresources: ['scale', 'status'],
    });
    await cluster.resourceFor('apps/v1', 'Deployment');
    assert.equal(server.requests.length, 1, 'cached');
    await assert.rejects(
      cluster.resourceFor('example.com/v1', 'Widget'),
      (e: ApiError) => e.code === 404 && e.message === 'no matches for kind "Widget" in version "example.com/v1"',
    );
    assert.equal(server.requests.length, 3, 'one fetch, one refresh');
    crdExists = true;
    assert.equal((await cluster.resourceFor('example.com/v1', 'Widget')).resource, 'widgets');
    await assert.rejects(cluster.resourceFor('apps/v1', 'Nope'), /no matches for kind "Nope" in version "apps\/v1"/);
    const count = server.requests.length;
    cluster.invalidateDiscovery();
    await cluster.resourceFor('apps/v1', 'Deployment');
    assert.equal(server.requests.length, count + 1);
  });
});

describe('HttpCluster list', () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ metadata: { name: `c${i}` } }));
  it('follows continue tokens page by page', async () => {
    const { server, cluster } = await setup((req, res) => {
      const q = new URL(req.url, 'http://x').searchParams;
      const start = Number(q.get('continue') ?? 0);
      const limit = Number(q.get('limit'));
      const next = start + limit < items.length ? String(start + limit) : undefined;
      sendJson(res, 200, {
        apiVersion: 'v1',
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '42', continue: next },
        items: items.slice(start, start + limit),
      });
    });
    const list = await cluster.list('v1', 'ConfigMap', { namespace: 'n', limit: 2, labelSelector: 'a=b' });
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['c0', 'c1', 'c2', 'c3', 'c4'],
    );
    assert.equal(list.metadata.resourceVersion, '42');
    assert.deepEqual(
      nonDiscovery(server).map((r) => r.url),
      [
        '/api/v1/namespaces/n/configmaps?labelSelector=a%3Db&limit=2',
        '/api/v1/namespaces/n/configmaps?labelSelector=a%3Db&limit=2&continue=2',
        '/api/v1/namespaces/n/configmaps?labelSelector=a%3Db&limit=2&continue=4',
      ],
    );
    const page = await cluster.list('v1', 'ConfigMap', { continue: '4', limit: 2 });
    assert.deepEqual(
      page.items.map((i) => i.metadata.name),
      ['c4'],
    );
  });

  it('takes a full list when a continue token has expired', async () => {
    const { server, cluster } = await setup((req, res) => {
      if (req.url.includes('continue')) return sendStatus(res, 410, 'Expired', 'continue token expired');
      if (req.url.includes('limit'))
        return sendJson(res, 200, { kind: 'ConfigMapList', metadata: { continue: 'x', resourceVersion: '1' }, items: items.slice(0, 1) });
      sendJson(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items });
    });
    const list = await cluster.list('v1', 'ConfigMap');
    assert.equal(list.items.length, 5);
    assert.equal(list.metadata.resourceVersion, '9');
    assert.equal(nonDiscovery(server).at(-1)!.url, '/api/v1/configmaps');
  });
});

describe('watch streams', () => {
  it('LineSplitter joins lines split anywhere, even inside a UTF-8 character', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const text = Buffer.from('{"a":"é€"}\n\n{"b":1}\r\n{"c":');
    for (let i = 0; i < text.length; i++) s.push(text.subarray(i, i + 1));
    s.push(Buffer.from('2}'));
    assert.deepEqual(lines, ['{"a":"é€"}', '{"b":1}']);
    s.end();
    assert.deepEqual(lines, ['{"a":"é€"}', '{"b":1}', '{"c":2}']);
  });

  it('streams events split across chunks, bookmarks included, and ends when the server does', async () => {
    const events = [
      { type: 'ADDED', object: cm('a', 'n') },
      { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12' } } },
      { type: 'MODIFIED', object: { ...cm('a', 'n'), data: { k: 'ünïcode' } } },
      { type: 'DELETED', object: cm('a', 'n') },
    ];
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const { server, cluster } = await setup(async (_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const text = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      // Irregular chunk sizes put boundaries inside JSON and inside multi-byte characters.
      for (let i = 0; i < text.length;) {
        const n = 1 + ((i * 7) % 13);
        res.write(text.subarray(i, i + n));
        i += n;
        await new Promise((r) => setImmediate(r));
      }
      await finished;
      res.end();
    });
    const got: WatchEvent[] = [];
    const handle = await cluster.watch(
      'v1',
      'ConfigMap',
      { namespace: 'n', resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 30, labelSelector: 'x' },
      (e) => {
        got.push(e);
        if (got.length === events.length) finish();
      },
    );
    await handle.done;
    assert.deepEqual(got, events);
    assert.equal(
      nonDiscovery(server)[0].url,
      '/api/v1/namespaces/n/configmaps?watch=true&resourceVersion=10&labelSelector=x&allowWatchBookmarks=true&timeoutSeconds=30',
    );
  });

  it('stop() ends a running watch; a refused watch rejects with the Status', async () => {
    const { cluster } = await setup((req, res) => {
      if (req.url.includes('resourceVersion=1&')) return sendStatus(res, 410, 'Expired', 'too old resource version: 1 (50)');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: cm('x', 'n') }) + '\n');
    });
    const got: string[] = [];
    const handle = await cluster.watch('v1', 'ConfigMap', {}, (e) => {
      got.push(e.object.metadata.name!);
      handle.stop();
    });
    await handle.done;
    assert.deepEqual(got, ['x']);
    await assert.rejects(
      cluster.watch('v1', 'ConfigMap', { resourceVersion: '1', timeoutSeconds: 5 }, () => {}),
      (e: ApiError) => e.code === 410 && e.reason === 'Expired',
    );
  });
});

/** Server side of the exec WebSocket: answers the upgrade, then runs `script`. */
function execServer(
  protocol: string | undefined,
  script: (send: (channel: number, data: Buffer | string, fragmented?: boolean) => void, close: () => void) => void,
) {
  return async (server: FakeServer) => {
    server.server.on('upgrade', (req, socket: Duplex) => {
      const key = String(req.headers['sec-websocket-key']);
      const offered = String(req.headers['sec-websocket-protocol']).split(/,\s*/);
      const chosen = protocol && offered.includes(protocol) ? protocol : undefined;
      (server as FakeServer & { upgradeUrl?: string }).upgradeUrl = req.url;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
          (chosen ? `Sec-WebSocket-Protocol: ${chosen}\r\n` : '') +
          '\r\n',
      );
      const parser = new FrameParser();
      socket.on('data', (c: Buffer) => {
        for (const f of parser.push(c)) if (f.opcode === OP_CLOSE) socket.end();
      });
      const send = (channel: number, data: Buffer | string, fragmented = false) => {
        const payload = Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
        if (!fragmented) return void socket.write(encodeFrame(OP_BINARY, payload, false));
        const mid = Math.floor(payload.length / 2);
        socket.write(encodeFrame(OP_BINARY, payload.subarray(0, mid), false, false));
        socket.write(encodeFrame(OP_CONTINUATION, payload.subarray(mid), false, true));
      };
      script(send, () => socket.write(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]), false)));
    });
  };
}

describe('exec over WebSocket', () => {
  async function execSetup(protocol: string | undefined, script: Parameters<typeof execServer>[1]) {
    const ctx = await setup((_req, res) => sendStatus(res, 403, 'Forbidden', 'pods "p" is forbidden: exec not allowed'));
    await execServer(protocol, script)(ctx.server);
    return ctx;
  }

  it('collects stdout and stderr (fragmented and large frames) and the exit code from the v5 status', async () => {
    const big = 'x'.repeat(70_000);
    const { server, cluster } = await execSetup('v5.channel.k8s.io', (send, close) => {
      send(1, 'hello ');
      send(2, 'warn', true);
      send(1, big);
      send(1, 'é'.repeat(100));
      send(3, JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }));
      close();
    });
    const r = await cluster.exec('ns', 'pod', 'main', ['sh', '-c', 'echo hi']);
    assert.equal(r.stdout.toString(), 'hello ' + big + 'é'.repeat(100));
    assert.equal(r.stderr.toString(), 'warn');
    assert.equal(r.exitCode, 3);
    assert.equal(
      (server as FakeServer & { upgradeUrl?: string }).upgradeUrl,
      '/api/v1/namespaces/ns/pods/pod/exec?command=sh&command=-c&command=echo+hi&container=main&stdout=true&stderr=true',
    );
  });

  it('treats a Success status (v4) as exit code 0 and other failures as errors', async () => {
    let failure = false;
    const { cluster } = await execSetup('v4.channel.k8s.io', (send, close) => {
      send(1, 'ok');
      send(
        3,
        JSON.stringify(
          failure
            ? { kind: 'Status', status: 'Failure', reason: 'InternalError', message: 'container not found ("x")', code: 500 }
            : { kind: 'Status', status: 'Success' },
        ),
      );
      close();
    });
    assert.deepEqual(await cluster.exec('ns', 'pod', undefined, ['true']), { stdout: Buffer.from('ok'), stderr: Buffer.alloc(0), exitCode: 0 });
    failure = true;
    await assert.rejects(cluster.exec('ns', 'pod', 'x', ['true']), /container not found/);
  });

  it('reads the exit code from the text of the oldest protocol', async () => {
    const { cluster } = await execSetup('channel.k8s.io', (send, close) => {
      send(3, 'command terminated with non-zero exit code: error executing command [false], exit code 7');
      close();
    });
    assert.equal((await cluster.exec('ns', 'pod', undefined, ['false'])).exitCode, 7);
  });

  it('turns a refused upgrade into an ApiError', async () => {
    const { cluster } = await setup((_req, res) => sendStatus(res, 403, 'Forbidden', 'pods "p" is forbidden: exec not allowed'));
    await assert.rejects(cluster.exec('ns', 'p', undefined, ['ls']), (e: ApiError) => e.code === 403 && /exec not allowed/.test(e.message));
  });
});

describe('TLS', () => {
  let hasOpenssl = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    hasOpenssl = false;
  }

  it('verifies the server against the kubeconfig CA and presents the client certificate', { skip: hasOpenssl ? false : 'openssl not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-cluster-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=kudo-user/O=system:masters');
    run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
    const read = (f: string) => readFileSync(join(dir, f));
    const server = await startFakeServer(
      (_req, res, raw) => {
        const peer = (raw.socket as import('node:tls').TLSSocket).getPeerCertificate();
        sendJson(res, 200, { user: peer?.subject?.CN ?? null });
      },
      { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true },
    );
    cleanups.push(() => server.close());
    const b64 = (f: string) => read(f).toString('base64');
    const good = await fromKubeconfigText(
      kubeconfigFor(
        server.url,
        `{client-certificate-data: ${b64('client.crt')}, client-key-data: ${b64('client.key')}}`,
        `certificate-authority-data: ${b64('ca.crt')}`,
      ),
      fast,
    );
    assert.deepEqual((await good.request('GET', '/whoami')).body, { user: 'kudo-user' });
    good.close();
    const untrusted = await fromKubeconfigText(kubeconfigFor(server.url), { retry: { attempts: 1 } });
    await assert.rejects(untrusted.request('GET', '/whoami'), /unable to connect to the server at https:\/\/127\.0\.0\.1:\d+: .*(self-signed|certificate)/);
    untrusted.close();
    const insecure = await fromKubeconfigText(kubeconfigFor(server.url, '{token: t}', 'insecure-skip-tls-verify: true'), fast);
    assert.deepEqual((await insecure.request('GET', '/whoami')).body, { user: null });
    insecure.close();
  });
});
