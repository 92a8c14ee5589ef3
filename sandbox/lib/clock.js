'use strict';
/**
 * The sandbox clock: real time plus an offset that tests move forward with
 * POST /_sandbox/clock. Timestamps are kept in microseconds and are strictly
 * increasing, so creation order and creation time always agree.
 */
class Clock {
  constructor() {
    this.offsetMs = 0;
    this.lastUs = 0;
  }

  nowMs() {
    return Date.now() + this.offsetMs;
  }

  nowSeconds() {
    return Math.floor(this.nowMs() / 1000);
  }

  /** A fresh, strictly increasing timestamp in microseconds. */
  stampUs() {
    const fraction = Number(process.hrtime.bigint() / 1000n % 1000n);
    const us = Math.max(this.lastUs + 1, Math.floor(this.nowMs() * 1000) + fraction);
    this.lastUs = us;
    return us;
  }

  advance(seconds) {
    this.offsetMs += seconds * 1000;
  }

  reset() {
    this.offsetMs = 0;
  }
}

/** AWSDateTime text with six fractional digits, e.g. 2023-07-10T12:13:56.615715Z. */
function isoMicro(us) {
  const ms = Math.floor(us / 1000);
  const micro = String(Math.floor(us) % 1000).padStart(3, '0');
  return new Date(ms).toISOString().slice(0, 23) + micro + 'Z';
}

module.exports = { Clock, isoMicro };
