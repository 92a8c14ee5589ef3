'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { spawnSandbox, gql, data, request, DEFAULT_KEY, REPO } = require('../testlib/helpers');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moveugc-sandbox-test-'));

test('first line, default key, SIGTERM removes the temporary folder and exits 0', async () => {
  const sb = await spawnSandbox(['--job-seconds', '0.5']);
  assert.match(sb.firstLine, /^moveugc-sandbox listening on http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  const d = await data({ ...sb, keys: [DEFAULT_KEY] }, '{ client { id } }');
  assert.ok(d.client.id);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(sb.lines.includes(`api key: ${DEFAULT_KEY}`));
  const folder = sb.lines.find((l) => l.startsWith('temporary folder: ')).slice('temporary folder: '.length);
  const f = (await data({ ...sb, keys: [DEFAULT_KEY] }, 'mutation { createFile(type: "mp4") { presignedUrl } }')).createFile;
  assert.strictEqual((await request(f.presignedUrl, { method: 'PUT', body: 'bytes' })).status, 200);
  assert.ok(fs.readdirSync(folder).length > 0);
  const exit = await sb.close();
  assert.deepStrictEqual(exit, { code: 0, signal: null });
  assert.ok(!fs.existsSync(folder), 'temporary folder removed');
});

test('SIGINT stops it cleanly too', async () => {
  const sb = await spawnSandbox();
  sb.proc.kill('SIGINT');
  assert.deepStrictEqual(await sb.exited, { code: 0, signal: null });
});

test('--api-key replaces the default key; each key is its own client', async (t) => {
  const sb = await spawnSandbox(['--api-key', 'alpha-key-000000', '--api-key=beta-key-0000000']);
  t.after(() => sb.close());
  const a = await data({ ...sb, keys: ['alpha-key-000000'] }, '{ client { id } }');
  const b = await data({ ...sb, keys: ['beta-key-0000000'] }, '{ client { id } }');
  assert.notStrictEqual(a.client.id, b.client.id);
  assert.strictEqual((await gql(sb, '{ client { id } }', undefined, { key: DEFAULT_KEY })).status, 401);
});

test('--request-log writes one JSON line per GraphQL request, without keys or signatures', async () => {
  const dir = tmp();
  const log = path.join(dir, 'requests.jsonl');
  const key = 'secret-key-do-not-log-1234';
  const sb = await spawnSandbox(['--api-key', key, '--request-log', log]);
  const s = { ...sb, keys: [key] };
  const f = (await data(s, 'mutation MakeFile { createFile(type: "mp4") { id presignedUrl } }')).createFile;
  await data(s, 'query One($f: ID!) { getFile(fileId: $f) { id } }', { f: f.id });
  await gql(s, `mutation Hook($s: String) { upsertWebhookEndpoint(uid: "u", url: "http://127.0.0.1:9/x", events: ["*"], secret: $s) { uid } }`,
    { s: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0' });
  await gql(s, `mutation { upsertWebhookEndpoint(uid: "v", url: "http://127.0.0.1:9/x?Signature=abc", events: ["*"], secret: "whsec_aW5saW5lc2VjcmV0") { uid } }`);
  await gql(s, '{ client { id } }', undefined, { key: 'wrong-key-also-secret' });
  await gql(s, '{ client { nope } }');
  await sb.close();
  const text = fs.readFileSync(log, 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.strictEqual(lines.length, 6);
  for (const l of lines) {
    assert.deepStrictEqual(Object.keys(l).sort(), ['ms', 'operation', 'query', 'status', 'time', 'variables']);
    assert.ok(typeof l.ms === 'number' && !Number.isNaN(Date.parse(l.time)));
  }
  assert.deepStrictEqual(lines.map((l) => l.operation), ['MakeFile', 'One', 'Hook', null, null, null]);
  assert.deepStrictEqual(lines.map((l) => l.status), [200, 200, 200, 200, 401, 200]);
  assert.deepStrictEqual(lines[1].variables, { f: f.id });
  for (const secret of [key, 'wrong-key-also-secret', 'c2VjcmV0c2VjcmV0c2VjcmV0', 'aW5saW5lc2VjcmV0', 'Signature=abc', new URL(f.presignedUrl).searchParams.get('Signature')]) {
    assert.ok(!text.includes(secret), `log leaks ${secret}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('bad arguments and a busy port fail with a message', async (t) => {
  const server = path.join(REPO, 'sandbox', 'server.js');
  const bad = spawnSync(process.execPath, [server, '--nope'], { encoding: 'utf8' });
  assert.strictEqual(bad.status, 2);
  assert.match(bad.stderr, /unknown argument --nope/);
  const sb = await spawnSandbox();
  t.after(() => sb.close());
  const port = new URL(sb.url).port;
  const busy = spawnSync(process.execPath, [server, '--port', port], { encoding: 'utf8' });
  assert.strictEqual(busy.status, 1);
  assert.match(busy.stderr, /cannot start/);
});

test('TLS with --tls-cert and --tls-key', async (t) => {
  const dir = tmp();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available');
    return;
  }
  const sb = await spawnSandbox(['--tls-cert', cert, '--tls-key', key]);
  t.after(() => sb.close());
  assert.match(sb.firstLine, /^moveugc-sandbox listening on https:\/\/127\.0\.0\.1:\d+\/graphql$/);
  const f = (await data({ ...sb, keys: [DEFAULT_KEY] }, 'mutation { createFile(type: "mp4") { presignedUrl } }')).createFile;
  assert.ok(f.presignedUrl.startsWith('https://'));
  const up = await request(f.presignedUrl, { method: 'PUT', body: 'tls bytes' });
  assert.strictEqual(up.status, 200);
});
