'use strict';
/**
 * Job and volume lifecycle. A record of either kind is NOT_STARTED for the
 * first tenth of --job-seconds (sandbox clock), then RUNNING with a rising
 * percentage, then FINISHED. A record created while one of its source files had
 * not been uploaded goes to FAILED instead of RUNNING. The control endpoint can
 * pin a state and percentage. A ticker notices transitions and emits webhook
 * events, and materialises outputs when a record finishes.
 */
const { DEFAULT_OUTPUTS, OUTPUT_FORMATS, VOLUME_OUTPUTS } = require('./catalogue');

const START_FRACTION = 0.1;
const TERMINAL = new Set(['FINISHED', 'FAILED']);

class Lifecycle {
  constructor({ store, clock, jobSeconds, onEvent }) {
    this.store = store;
    this.clock = clock;
    this.jobMs = jobSeconds * 1000;
    this.onEvent = onEvent;
    this.active = new Set();
    this.timer = setInterval(() => this.tick(), 25);
    this.timer.unref();
  }

  reset() {
    this.active.clear();
  }

  track(rec) {
    rec.lastState = 'NOT_STARTED';
    this.active.add(rec);
  }

  /** { state, percentageComplete } of a job or volume as of now. */
  progress(rec) {
    if (rec.pinned) return rec.pinned;
    const elapsed = this.clock.nowMs() - rec.createdUs / 1000;
    if (elapsed < this.jobMs * START_FRACTION) return { state: 'NOT_STARTED', percentageComplete: 0 };
    if (rec.missingUpload) return { state: 'FAILED', percentageComplete: 0 };
    if (elapsed >= this.jobMs) return { state: 'FINISHED', percentageComplete: 100 };
    return { state: 'RUNNING', percentageComplete: Math.min(99, Math.floor((elapsed / this.jobMs) * 100)) };
  }

  /** Pin a record to a state and/or percentage (the /_sandbox/jobs control), or release it. */
  pin(rec, { state, percentage }) {
    const now = this.progress(rec);
    if (state === null) {
      rec.pinned = undefined;
    } else {
      const s = state || (percentage === undefined ? now.state : percentage >= 100 ? 'FINISHED' : 'RUNNING');
      const pct = percentage !== undefined ? percentage
        : s === 'FINISHED' ? 100 : s === 'NOT_STARTED' ? 0 : now.percentageComplete;
      rec.pinned = { state: s, percentageComplete: pct };
    }
    this.active.add(rec);
    this.tick();
  }

  /** Outputs of a finished record, made on first sight and then stable. */
  outputs(rec) {
    if (this.progress(rec).state !== 'FINISHED') return [];
    this.materialise(rec);
    return rec.outputs;
  }

  materialise(rec) {
    if (rec.outputs) return;
    let wanted;
    if (rec.outputOverride) wanted = rec.outputOverride;
    else if (rec.kind === 'volume') wanted = VOLUME_OUTPUTS;
    else wanted = (rec.requestedOutputs || DEFAULT_OUTPUTS).map((key) => ({ key, format: OUTPUT_FORMATS[key] }));
    rec.outputs = wanted.map(({ key, format }) => ({ key, format, file: this.store.addOutputFile(rec, key, format) }));
  }

  /** Replace a record's outputs with the given keys and formats (control endpoint). */
  overrideOutputs(rec, list) {
    rec.outputOverride = list.map((o) => ({ key: String(o.key), format: String(o.format) }));
    if (rec.outputs) {
      rec.outputs.forEach((o, i) => {
        const wanted = rec.outputOverride[i];
        if (wanted) { o.key = wanted.key; o.format = wanted.format; o.file.outKey = wanted.key; o.file.type = wanted.format; }
      });
      for (const extra of rec.outputOverride.slice(rec.outputs.length)) {
        rec.outputs.push({ ...extra, file: this.store.addOutputFile(rec, extra.key, extra.format) });
      }
      rec.outputs.length = rec.outputOverride.length;
    }
  }

  tick() {
    for (const rec of this.active) {
      const { state } = this.progress(rec);
      if (state === rec.lastState) continue;
      const prefix = rec.kind === 'volume' ? 'ugc.volume.state.' : 'ugc.job.state.';
      const entered = [];
      if (state === 'RUNNING' || (state === 'FINISHED' && rec.lastState === 'NOT_STARTED')) entered.push('running');
      if (state === 'FINISHED') entered.push('completed');
      if (state === 'FAILED') entered.push('failed');
      rec.lastState = state;
      if (state === 'FINISHED') this.materialise(rec);
      if (TERMINAL.has(state) && !rec.pinned) this.active.delete(rec);
      for (const e of entered) this.onEvent(rec, prefix + e, state);
    }
  }

  close() {
    clearInterval(this.timer);
  }
}

module.exports = { Lifecycle };
