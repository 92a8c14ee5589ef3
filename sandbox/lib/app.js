'use strict';
/**
 * The sandbox server: wires the services together, routes HTTP requests,
 * applies injected faults and canned answers, counts traffic and writes the
 * request log.
 * start(options) -> Promise<{ url, port, host, keys, close() }>.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const { Clock } = require('./clock');
const { Store } = require('./store');
const { Lifecycle } = require('./lifecycle');
const { S3 } = require('./s3');
const { Webhooks } = require('./webhooks');
const { Faults } = require('./faults');
const { Answers } = require('./answers');
const { Engine, makeSchema } = require('./graphql');
const { makeResolvers } = require('./resolvers');
const { handleControl } = require('./controls');
const { requestId } = require('./ids');
const { send, sendJson, sendS3Error, readBody, drain } = require('./respond');
const { openRequestLog } = require('./requestlog');

const DEFAULT_KEY = 'sandbox-key-0123456789';
const DEFAULTS = { host: '127.0.0.1', port: 8917, apiKeys: [], jobSeconds: 3, urlSeconds: 900, requestLog: null, tlsCert: null, tlsKey: null };

const UNAUTHORIZED = { errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }] };
const malformed = (message) => ({ errors: [{ errorType: 'MalformedHttpRequestException', message }] });
const HTML_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hostForUrl = (h) => (h.includes(':') ? `[${h}]` : h);

class App {
  constructor(options) {
    this.options = options;
    this.keys = options.apiKeys.length ? [...options.apiKeys] : [DEFAULT_KEY];
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moveugc-sandbox-'));
    this.clock = new Clock();
    this.store = new Store({ clock: this.clock, keys: this.keys });
    this.webhooks = new Webhooks({ clock: this.clock });
    this.lifecycle = new Lifecycle({
      store: this.store, clock: this.clock, jobSeconds: options.jobSeconds,
      onEvent: (rec, type, state) => this.emit(rec, type, state),
    });
    this.s3 = new S3({ store: this.store, clock: this.clock, urlSeconds: options.urlSeconds, tmpDir: this.tmpDir });
    this.faults = new Faults();
    this.engine = new Engine(makeSchema(makeResolvers(this)));
    const { schema } = this.engine;
    this.answers = new Answers([schema.getQueryType(), schema.getMutationType()]
      .flatMap((type) => (type ? Object.keys(type.getFields()) : [])));
    this.log = options.requestLog ? openRequestLog(options.requestLog) : null;
    this.sockets = new Set();
    this.resetCounters();
  }

  emit(rec, type, state) {
    const client = this.store.clients.get(rec.clientId);
    const idField = rec.kind === 'volume' ? { volume_id: rec.id } : { job_id: rec.id, take_id: rec.takeId };
    const { percentageComplete } = this.lifecycle.progress(rec);
    this.webhooks.emit(client, type, { ...idField, client_id: rec.clientId, state, percentage_complete: percentageComplete });
  }

  resetCounters() {
    this.counters = { connections: 0, requests: { graphql: 0, upload: 0, download: 0 }, gzip: 0, closedIn: 0, closedOut: 0 };
    for (const s of this.sockets) s.base = { r: s.bytesRead, w: s.bytesWritten };
  }

  reset() {
    this.webhooks.reset();
    this.lifecycle.reset();
    this.faults.reset();
    this.answers.reset();
    this.store.reset();
    this.clock.reset();
    this.resetCounters();
  }

  stats() {
    let bytesIn = this.counters.closedIn;
    let bytesOut = this.counters.closedOut;
    for (const s of this.sockets) {
      bytesIn += s.bytesRead - s.base.r;
      bytesOut += s.bytesWritten - s.base.w;
    }
    const { connections, requests, gzip } = this.counters;
    return { connections, requests: { ...requests }, graphql_gzip: gzip, bytes_in: bytesIn, bytes_out: bytesOut };
  }

  onConnection(socket) {
    this.counters.connections += 1;
    socket.base = { r: 0, w: 0 };
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.counters.closedIn += socket.bytesRead - socket.base.r;
      this.counters.closedOut += socket.bytesWritten - socket.base.w;
    });
  }

  baseUrl(req) {
    const proto = this.options.tlsCert ? 'https' : 'http';
    const host = req && req.headers.host;
    if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) return `${proto}://${host}`;
    return `${proto}://${hostForUrl(this.options.host)}:${this.port}`;
  }

  async dispatch(req, res, expectContinue) {
    res.setHeader('x-amzn-RequestId', requestId());
    const q = req.url.indexOf('?');
    const urlPath = q < 0 ? req.url : req.url.slice(0, q);
    let target = null;
    if (urlPath === '/graphql') target = 'graphql';
    else if (urlPath.startsWith('/s3/')) target = req.method === 'PUT' ? 'upload' : 'download';
    try {
      if (!target) {
        if (expectContinue) res.writeContinue();
        await handleControl(this, req, res, urlPath);
        return;
      }
      this.counters.requests[target] += 1;
      if (target === 'graphql' && /\bgzip\b/i.test(req.headers['accept-encoding'] || '')) this.counters.gzip += 1;
      const fault = this.faults.take(target);
      const mods = fault ? await this.applyFault(fault, req, res, target, expectContinue) : {};
      if (mods === null) return;
      if (target === 'graphql') {
        await this.graphql(req, res, mods, expectContinue);
      } else {
        const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
        const args = { objectPath: urlPath.slice(3), query, mods, expectContinue };
        if (target === 'upload') this.s3.upload(req, res, args);
        else if (req.method === 'GET' || req.method === 'HEAD') this.s3.download(req, res, args);
        else sendS3Error(req, res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', mods);
      }
    } catch (err) {
      if (!res.headersSent && !req.socket.destroyed) {
        sendJson(req, res, 500, { errors: [{ errorType: 'InternalFailure', message: String(err && err.message) }] });
      }
    }
  }

  /**
   * Carry out a fault. Returns null when the fault fully answered (or dropped)
   * the request, otherwise modifiers for the normal handler.
   */
  async applyFault(fault, req, res, target, expectContinue) {
    if (fault.reset === 'before_read') {
      req.socket.destroy();
      return null;
    }
    if (fault.delay_ms !== undefined) {
      await sleep(fault.delay_ms);
      return {};
    }
    if (fault.reset === 'after_read') return { dropAfterRead: true };
    if (fault.truncate) return { truncate: true };
    if (fault.stall_ms !== undefined) return { stallMs: fault.stall_ms };
    if (fault.etag !== undefined) return { etag: fault.etag };
    // The fault answers by itself: status, body or html.
    if (expectContinue) res.setHeader('Connection', 'close');
    else await drain(req);
    const isJson = target === 'graphql';
    if (fault.html) {
      send(req, res, 502, { 'Content-Type': 'text/html' }, HTML_502);
    } else if (fault.status !== undefined) {
      const body = fault.body !== undefined ? fault.body
        : isJson ? JSON.stringify({ errors: [{ errorType: 'ServiceUnavailableException', message: `Injected fault: HTTP ${fault.status}.` }] })
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Injected fault: HTTP ${fault.status}.</Message><RequestId>${res.getHeader('x-amzn-RequestId')}</RequestId></Error>`;
      const type = isJson ? 'application/json; charset=UTF-8' : 'application/xml';
      send(req, res, fault.status, { 'Content-Type': type, ...(fault.headers || {}) }, body);
    } else {
      send(req, res, 200, { 'Content-Type': isJson ? 'application/json; charset=UTF-8' : 'application/octet-stream' }, fault.body);
    }
    return null;
  }

  async graphql(req, res, mods, expectContinue) {
    const started = process.hrtime.bigint();
    const logged = (status, entry) => {
      if (this.log) this.log.write({ ...entry, status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    };
    const finish = (status, value, entry) => {
      sendJson(req, res, status, value, mods);
      logged(status, entry);
    };
    if (expectContinue) res.writeContinue();
    if (req.method !== 'POST') {
      await drain(req);
      finish(400, malformed('Only POST is supported on /graphql.'), {});
      return;
    }
    const buf = await readBody(req);
    const client = this.store.clientByKey(req.headers.authorization);
    if (!client) {
      finish(401, UNAUTHORIZED, {});
      return;
    }
    let request;
    try {
      request = buf.length ? JSON.parse(buf.toString('utf8')) : null;
    } catch {
      request = null;
    }
    if (!request || typeof request !== 'object' || Array.isArray(request) || typeof request.query !== 'string') {
      finish(400, malformed(buf.length ? 'The request body could not be parsed as a GraphQL request.' : 'The request body is empty.'), {});
      return;
    }
    const answer = this.answers.take(request);
    if (answer) {
      // A canned answer (answers.js) stands in for the engine; faults' modifiers still apply.
      if (answer.body !== undefined) send(req, res, answer.status, { 'Content-Type': 'application/json; charset=UTF-8', ...answer.headers }, answer.body, mods);
      else sendJson(req, res, answer.status, answer.json, mods, answer.headers);
      logged(answer.status, { operation: answer.operation, query: request.query, variables: request.variables ?? null });
      return;
    }
    const { body, operation } = await this.engine.run(request, { client, baseUrl: this.baseUrl(req) });
    finish(200, body, { operation, query: request.query, variables: request.variables ?? null });
  }

  listen() {
    const { tlsCert, tlsKey, host, port } = this.options;
    const server = tlsCert
      ? https.createServer({ cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) })
      : http.createServer();
    server.keepAliveTimeout = 65000;
    server.headersTimeout = 66000;
    server.requestTimeout = 0;
    server.on('connection', (s) => this.onConnection(s));
    server.on('request', (req, res) => this.dispatch(req, res, false));
    server.on('checkContinue', (req, res) => this.dispatch(req, res, true));
    server.on('clientError', (err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        this.port = server.address().port;
        resolve();
      });
    });
  }

  async close() {
    this.lifecycle.close();
    this.webhooks.reset();
    await new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    if (this.log) await this.log.close();
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

/** Start a sandbox; resolves once it listens. */
async function start(options = {}) {
  const opts = { ...DEFAULTS, ...options };
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  const app = new App(opts);
  try {
    await app.listen();
  } catch (err) {
    fs.rmSync(app.tmpDir, { recursive: true, force: true });
    app.lifecycle.close();
    throw err;
  }
  const proto = opts.tlsCert ? 'https' : 'http';
  const url = `${proto}://${hostForUrl(opts.host)}:${app.port}/graphql`;
  let closing = null;
  return { url, port: app.port, host: opts.host, keys: app.keys, app, close: () => (closing = closing || app.close()) };
}

module.exports = { start, DEFAULT_KEY };
