'use strict';
/**
 * Webhook endpoints and deliveries. Each event is POSTed, signed by the Svix /
 * Standard Webhooks recipe, to every endpoint of the owning client subscribed
 * to it (or to "*"); failed attempts are retried after 0.5, 1, 2, 4 and 8 s.
 * Deliveries only go to loopback addresses.
 */
const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const { randomToken } = require('./ids');
const { isoMicro } = require('./clock');
const { badRequest } = require('./errors');
const { EVENTS } = require('./catalogue');

const RETRY_SECONDS = [0.5, 1, 2, 4, 8];
const ATTEMPT_TIMEOUT_MS = 10000;

function isLoopbackUrl(text) {
  let u;
  try { u = new URL(text); } catch { return false; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/** v1 signature of a message, as Svix computes it. */
function svixSignature(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

class Webhooks {
  constructor({ clock }) {
    this.clock = clock;
    this.deliveries = [];
    this.timers = new Set();
    this.inflight = new Set();
    this.generation = 0;
  }

  reset() {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.deliveries = [];
  }

  /** upsertWebhookEndpoint: returns the endpoint; `secret` only when it was created now. */
  upsert(client, args) {
    if (!isLoopbackUrl(args.url)) {
      throw badRequest('The sandbox only delivers webhooks to http(s) URLs on a loopback address (127.0.0.0/8, ::1, localhost).');
    }
    const existing = client.webhooks.get(args.uid);
    if (args.events) {
      const unknown = args.events.filter((e) => e !== '*' && !EVENTS.includes(e));
      if (unknown.length) throw badRequest(`Unknown webhook event(s): ${unknown.join(', ')}. Known: ${EVENTS.join(', ')}, *`);
    } else if (!existing) {
      throw badRequest('events is required when creating a webhook endpoint.');
    }
    if (args.secret != null && !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(args.secret)) {
      throw badRequest('secret must be whsec_ followed by base64.');
    }
    const ep = existing || { __typename: 'WebhookEndpoint', uid: args.uid, clientId: client.id, description: null, metadata: null };
    ep.url = args.url;
    if (args.events) ep.events = [...args.events];
    if (args.description !== undefined) ep.description = args.description;
    if (args.metadata !== undefined) ep.metadata = args.metadata;
    if (args.secret != null) ep.secret = args.secret;
    if (!ep.secret) ep.secret = 'whsec_' + randomToken(24, 'base64');
    client.webhooks.set(args.uid, ep);
    return { ...ep, secret: existing ? null : ep.secret };
  }

  /** Queue one event for every subscribed endpoint of the client. */
  emit(client, type, data) {
    const body = JSON.stringify({ type, timestamp: isoMicro(this.clock.stampUs()), data });
    for (const ep of client.webhooks.values()) {
      if (!ep.events.includes(type) && !ep.events.includes('*')) continue;
      const delivery = { id: 'msg_' + randomToken(18), endpoint: ep.uid, url: ep.url, type, body, attempts: [], state: 'pending', generation: this.generation };
      this.deliveries.push(delivery);
      this.attempt(delivery, ep);
    }
  }

  attempt(delivery, ep) {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = Buffer.from(delivery.body);
    const u = new URL(delivery.url);
    const mod = u.protocol === 'https:' ? https : http;
    const record = { time: new Date().toISOString(), status: null, error: null };
    delivery.attempts.push(record);
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      if (delivery.generation !== this.generation) return;
      if (ok) { delivery.state = 'delivered'; return; }
      const n = delivery.attempts.length;
      if (n > RETRY_SECONDS.length) { delivery.state = 'failed'; return; }
      const t = setTimeout(() => { this.timers.delete(t); this.attempt(delivery, ep); }, RETRY_SECONDS[n - 1] * 1000);
      this.timers.add(t);
    };
    const req = mod.request(u, {
      method: 'POST',
      rejectUnauthorized: false,
      timeout: ATTEMPT_TIMEOUT_MS,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': body.length,
        'User-Agent': 'moveugc-sandbox-webhooks',
        'svix-id': delivery.id,
        'svix-timestamp': String(timestamp),
        'svix-signature': svixSignature(ep.secret, delivery.id, timestamp, body),
      },
    }, (res) => {
      record.status = res.statusCode;
      res.resume();
      res.on('end', () => done(res.statusCode >= 200 && res.statusCode < 300));
      res.on('error', () => done(false));
    });
    this.inflight.add(req);
    req.on('close', () => this.inflight.delete(req));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => { record.error = err.message; done(false); });
    req.end(body);
  }

  /** Summary for GET /_sandbox/webhooks. */
  report() {
    return this.deliveries.map(({ id, endpoint, url, type, body, attempts, state }) =>
      ({ id, endpoint, url, type, payload: JSON.parse(body), attempts, state }));
  }
}

module.exports = { Webhooks, isLoopbackUrl, svixSignature, RETRY_SECONDS };
