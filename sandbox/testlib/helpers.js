'use strict';
/** Shared helpers for the sandbox tests: start servers, speak HTTP and GraphQL. */
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { start, DEFAULT_KEY } = require('../lib/app');

const REPO = path.resolve(__dirname, '..', '..');

const SERVER = path.join(REPO, 'sandbox', 'server.js');

/** Start a sandbox in this process on a free port. */
async function startSandbox(options = {}) {
  const sb = await start({ port: 0, jobSeconds: 0.4, ...options });
  sb.base = sb.url.replace(/\/graphql$/, '');
  return sb;
}

/** Spawn `node sandbox/server.js --port 0 ...` and wait for its first line. */
function spawnSandbox(args = []) {
  const proc = spawn(process.execPath, [SERVER, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const lines = [];
  const rl = readline.createInterface({ input: proc.stdout });
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    rl.on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) {
        const m = /^moveugc-sandbox listening on (https?:\/\/[^/]+)\/graphql$/.exec(line);
        if (!m) { reject(new Error(`bad first line: ${line}`)); return; }
        const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
        resolve({
          proc, lines, firstLine: line, url: `${m[1]}/graphql`, base: m[1], exited,
          stderr: () => stderr,
          close: async () => { if (proc.exitCode === null) proc.kill('SIGTERM'); return exited; },
        });
      }
    });
  });
}

/**
 * One HTTP request; resolves { status, headers, body: Buffer }.
 * opts: method, headers, body (Buffer|string|Readable), agent.
 */
function request(url, opts = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: opts.method || 'GET', headers: opts.headers || {}, agent: opts.agent, rejectUnauthorized: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = opts.body;
    if (body && typeof body.pipe === 'function') body.pipe(req);
    else req.end(body);
  });
}

/** POST a GraphQL request; resolves { status, headers, json }. */
async function gql(sb, query, variables, opts = {}) {
  const key = opts.key === undefined ? (sb.keys ? sb.keys[0] : DEFAULT_KEY) : opts.key;
  const headers = { 'Content-Type': 'application/json', ...(key === null ? {} : { Authorization: key }), ...(opts.headers || {}) };
  const payload = JSON.stringify({ query, variables, ...(opts.operationName ? { operationName: opts.operationName } : {}) });
  const res = await request(sb.url, { method: 'POST', headers, body: opts.rawBody !== undefined ? opts.rawBody : payload, agent: opts.agent });
  let json = null;
  try { json = JSON.parse(res.body.toString('utf8')); } catch { /* not JSON */ }
  return { ...res, json };
}

/** Data of a successful GraphQL call (fails on errors). */
async function data(sb, query, variables, opts) {
  const res = await gql(sb, query, variables, opts);
  if (res.status !== 200 || !res.json || res.json.errors) {
    throw new Error(`GraphQL failed: ${res.status} ${res.body.toString('utf8').slice(0, 500)}`);
  }
  return res.json.data;
}

async function control(sb, path, body, method = 'POST', agent = undefined) {
  const res = await request(`${sb.base}/_sandbox/${path}`, {
    method, agent, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: JSON.parse(res.body.toString('utf8')) };
}

/** Create a file and upload `content` to it; returns the file id. */
async function uploadedFile(sb, content = Buffer.from('video bytes'), opts = {}) {
  const d = await data(sb, 'mutation { createFile(type: "mp4") { id presignedUrl } }', undefined, opts);
  const res = await request(d.createFile.presignedUrl, { method: 'PUT', body: content });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status}`);
  return d.createFile.id;
}

async function singleCamTake(sb, opts = {}) {
  const fileId = opts.fileId || await uploadedFile(sb, undefined, opts);
  const d = await data(sb, `mutation($s: [SourceInput!]) { createSingleCamTake(sources: $s) { id } }`,
    { s: [{ fileId, deviceLabel: 'phone', format: 'MP4', cameraSettings: { lens: 'iphone-15-wide' } }] }, opts);
  return d.createSingleCamTake.id;
}

async function volume(sb, opts = {}) {
  const a = await uploadedFile(sb, undefined, opts);
  const b = await uploadedFile(sb, undefined, opts);
  const d = await data(sb, `mutation($s: [SourceInput!]) { createVolumeWithHuman(sources: $s, humanHeight: 1.8, areaType: NORMAL) { id } }`,
    { s: [{ fileId: a, deviceLabel: 'cam-a', format: 'MP4' }, { fileId: b, deviceLabel: 'cam-b', format: 'MOV' }] }, opts);
  return { volumeId: d.createVolumeWithHuman.id, files: [a, b] };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value or the time is up. */
async function until(fn, ms = 5000, step = 25) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(step);
  }
}

/** Expected bytes of an output: the pattern line repeated and cut to `size`. */
function outputBytes(ownerId, key, size = 65536) {
  const line = Buffer.from(`moveugc-sandbox ${ownerId} ${key}\n`);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += line.length) line.copy(out, i, 0, Math.min(line.length, size - i));
  return out;
}

module.exports = {
  REPO, DEFAULT_KEY, startSandbox, spawnSandbox, request, gql, data, control,
  uploadedFile, singleCamTake, volume, sleep, until, outputBytes,
};
