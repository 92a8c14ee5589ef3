'use strict';
/**
 * Injected faults (POST /_sandbox/faults). Each fault matches a target
 * (graphql, upload, download or any) and applies to the next `count`
 * matching requests, oldest fault first.
 */
const TARGETS = new Set(['graphql', 'upload', 'download', 'any']);
const KINDS = ['status', 'delay_ms', 'reset', 'truncate', 'stall_ms', 'body', 'html', 'etag'];

class Faults {
  constructor() {
    this.pending = [];
  }

  reset() {
    this.pending = [];
  }

  /** Validate and queue a fault; returns an error message or null. */
  add(spec) {
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'fault must be a JSON object';
    const target = spec.target === undefined ? 'any' : spec.target;
    if (!TARGETS.has(target)) return 'target must be graphql, upload, download or any';
    const count = spec.count === undefined ? 1 : spec.count;
    if (!Number.isInteger(count) || count < 1) return 'count must be a positive integer';
    const kinds = KINDS.filter((k) => spec[k] !== undefined);
    if (kinds.length !== 1 && !(kinds.length === 2 && kinds.includes('status') && kinds.includes('body'))) {
      return `give exactly one of ${KINDS.join(', ')} (status may come with body)`;
    }
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) return 'status must be an HTTP status';
    if (spec.reset !== undefined && !['before_read', 'after_read'].includes(spec.reset)) return 'reset must be before_read or after_read';
    if (spec.delay_ms !== undefined && !(Number.isFinite(spec.delay_ms) && spec.delay_ms >= 0)) return 'delay_ms must be a non-negative number';
    if (spec.truncate !== undefined && spec.truncate !== true) return 'truncate must be true';
    if (spec.stall_ms !== undefined && !(Number.isFinite(spec.stall_ms) && spec.stall_ms >= 0)) return 'stall_ms must be a non-negative number';
    if (spec.stall_ms !== undefined && target !== 'download') return 'stall_ms applies to downloads only';
    if (spec.html !== undefined && spec.html !== true) return 'html must be true';
    if (spec.body !== undefined && typeof spec.body !== 'string') return 'body must be a string';
    if (spec.etag !== undefined && typeof spec.etag !== 'string') return 'etag must be a string';
    if (spec.headers !== undefined && (typeof spec.headers !== 'object' || spec.headers === null)) return 'headers must be an object';
    this.pending.push({ ...spec, target, count });
    return null;
  }

  /** Take one use of the first fault matching `target`, if any. */
  take(target) {
    const i = this.pending.findIndex((f) => f.target === target || f.target === 'any');
    if (i < 0) return null;
    const fault = this.pending[i];
    fault.count -= 1;
    if (fault.count === 0) this.pending.splice(i, 1);
    return fault;
  }
}

module.exports = { Faults };
