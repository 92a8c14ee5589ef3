'use strict';
/** Test controls under /_sandbox/ (no key needed) and the share-code links. */
const { sendJson, readBody, send } = require('./respond');

const STATES = new Set(['NOT_STARTED', 'RUNNING', 'FINISHED', 'FAILED']);
const MAX_OUTPUT_BYTES = 64 * 1024 ** 3;

async function readJson(req) {
  const buf = await readBody(req, 1024 * 1024);
  if (buf.length === 0) return {};
  return JSON.parse(buf.toString('utf8'));
}

function jobControl(app, rec, body) {
  const { lifecycle } = app;
  if (body.state !== undefined && body.state !== null && !STATES.has(body.state)) return 'state must be NOT_STARTED, RUNNING, FINISHED or FAILED (or null to resume)';
  const pct = body.percentage_complete;
  if (pct !== undefined && !(Number.isInteger(pct) && pct >= 0 && pct <= 100)) return 'percentage_complete must be an integer 0..100';
  if (body.output_bytes !== undefined && !(Number.isInteger(body.output_bytes) && body.output_bytes >= 0 && body.output_bytes <= MAX_OUTPUT_BYTES)) {
    return 'output_bytes must be a non-negative integer';
  }
  if (body.outputs !== undefined && !(Array.isArray(body.outputs) && body.outputs.every((o) => o && typeof o === 'object' && 'key' in o && 'format' in o))) {
    return 'outputs must be a list of {"key", "format"}';
  }
  if (body.output_bytes !== undefined) rec.outputBytes = body.output_bytes;
  if (body.outputs !== undefined) lifecycle.overrideOutputs(rec, body.outputs);
  if (body.state !== undefined || pct !== undefined) lifecycle.pin(rec, { state: body.state, percentage: pct });
  return null;
}

/** Handle a /_sandbox/ request or a /share/ link. */
async function handleControl(app, req, res, path) {
  const { store, clock, faults, answers } = app;
  const m = req.method;
  const bad = (message) => sendJson(req, res, 400, { error: message });
  let body;
  try {
    body = await readJson(req);
  } catch {
    bad('body must be JSON');
    return;
  }
  if (path === '/_sandbox/stats' && m === 'GET') {
    sendJson(req, res, 200, app.stats());
  } else if (path === '/_sandbox/reset' && m === 'POST') {
    app.reset();
    sendJson(req, res, 200, { ok: true });
  } else if (path === '/_sandbox/faults' && m === 'POST') {
    const error = faults.add(body);
    if (error) bad(error); else sendJson(req, res, 200, { ok: true, pending: faults.pending });
  } else if (path === '/_sandbox/faults' && m === 'GET') {
    sendJson(req, res, 200, { pending: faults.pending });
  } else if (path === '/_sandbox/faults' && m === 'DELETE') {
    faults.reset();
    sendJson(req, res, 200, { ok: true });
  } else if (path === '/_sandbox/answers' && m === 'POST') {
    const error = answers.add(body);
    if (error) bad(error); else sendJson(req, res, 200, { ok: true, pending: answers.pending });
  } else if (path === '/_sandbox/answers' && m === 'GET') {
    sendJson(req, res, 200, { pending: answers.pending });
  } else if (path === '/_sandbox/answers' && m === 'DELETE') {
    answers.reset();
    sendJson(req, res, 200, { ok: true });
  } else if (path.startsWith('/_sandbox/jobs/') && m === 'POST') {
    const id = decodeURIComponent(path.slice('/_sandbox/jobs/'.length));
    const rec = store.jobs.get(id) || store.volumes.get(id);
    if (!rec) { sendJson(req, res, 404, { error: `no job or volume ${id}` }); return; }
    const error = jobControl(app, rec, body);
    if (error) { bad(error); return; }
    const p = app.lifecycle.progress(rec);
    sendJson(req, res, 200, { id, state: p.state, percentage_complete: p.percentageComplete });
  } else if (path === '/_sandbox/clock' && (m === 'POST' || m === 'GET')) {
    if (m === 'POST') {
      const s = body.advance_seconds;
      if (!(typeof s === 'number' && Number.isFinite(s) && s >= 0)) { bad('advance_seconds must be a non-negative number'); return; }
      clock.advance(s);
      app.lifecycle.tick();
    }
    sendJson(req, res, 200, { now: new Date(clock.nowMs()).toISOString(), offset_seconds: clock.offsetMs / 1000 });
  } else if (path === '/_sandbox/webhooks' && m === 'GET') {
    sendJson(req, res, 200, { deliveries: app.webhooks.report() });
  } else if (path.startsWith('/share/') && m === 'GET') {
    const share = store.shareCodes.get(path.slice('/share/'.length));
    if (!share) { sendJson(req, res, 404, { error: 'unknown share code' }); return; }
    if (share.expiresUs < clock.nowMs() * 1000) { sendJson(req, res, 410, { error: 'share code expired' }); return; }
    send(req, res, 302, { Location: app.s3.presign(app.baseUrl(req), 'GET', share.file) }, '');
  } else {
    sendJson(req, res, 404, { error: `no control ${m} ${path}` });
  }
}

module.exports = { handleControl };
