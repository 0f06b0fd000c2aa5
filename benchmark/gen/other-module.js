'use strict';
// A second module for realistic-program.js. It defines its own `LruCache`, a class with the
// same name as the one in realistic-program.js but from another script, so DevTools files their
// instances under two location-split class keys ("<scriptId>,<line>,<col>,LruCache") that share
// the display name `LruCache`. Keep the two classes different in shape as real code would be.

class LruCache {
  constructor(limit, ttlMs) {
    this.limit = limit;
    this.ttlMs = ttlMs;
    this.slots = Object.create(null); // dictionary-mode store keyed by string
    this.order = [];
    this.evictions = 0;
  }

  put(key, value, now) {
    if (!(key in this.slots)) this.order.push(key);
    this.slots[key] = { value, expiresAt: now + this.ttlMs };
    while (this.order.length > this.limit) {
      delete this.slots[this.order.shift()];
      this.evictions++;
    }
  }

  get(key, now) {
    const slot = this.slots[key];
    return slot && slot.expiresAt > now ? slot.value : undefined;
  }
}

/** A token formatter whose closure keeps its prefix and counter alive, as helper modules do. */
function makeTokenFormatter(prefix) {
  let issued = 0;
  return function formatToken(n) {
    issued++;
    return `${prefix}-${n.toString(36)}-${issued}`;
  };
}

module.exports = { LruCache, makeTokenFormatter };
