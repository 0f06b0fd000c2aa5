'use strict';
/**
 * A Chrome DevTools Protocol session over our WebSocket client: numbered commands whose answers
 * resolve Promises, and events delivered by method name.
 *
 *     const s = await CdpSession.connect(wsUrl);
 *     s.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => ...);
 *     await s.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true });
 *     await s.close();
 *
 * A command that the inspector answers with an error rejects with ERR_HEAPSNAP_CAPTURE naming the
 * method; when the connection drops, every pending command rejects with a message that says
 * which command was left waiting. Event handlers that throw fail the session the same way, so a
 * write error while storing a chunk cannot be lost.
 */
const { EventEmitter } = require('node:events');
const { WebSocketClient } = require('./websocket.js');
const { captureError } = require('../../errors.js');

class CdpSession extends EventEmitter {
  static async connect(url, options) {
    const ws = await WebSocketClient.connect(url, options);
    return new CdpSession(ws);
  }

  constructor(ws) {
    super();
    this.ws = ws;
    this.url = ws.url;
    this._nextId = 1;
    this._pending = new Map(); // id → { method, resolve, reject }
    this._failure = null;
    ws.on('message', (text) => this._onMessage(text));
    ws.on('error', (err) => this._failAll(err));
    ws.on('close', ({ code, reason }) =>
      this._failAll(captureError(`the inspector at ${this.url} closed the connection (${code}${reason ? ` ${reason}` : ''})`, { url: this.url })),
    );
  }

  _onMessage(text) {
    if (typeof text !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      this.fail(captureError(`the inspector at ${this.url} sent a message that is not JSON`, { url: this.url }));
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this._pending.get(msg.id);
      if (!p) return;
      this._pending.delete(msg.id);
      if (msg.error) {
        p.reject(captureError(`${p.method} failed at ${this.url}: ${msg.error.message || JSON.stringify(msg.error)}`, { url: this.url }));
      } else {
        p.resolve(msg.result || {});
      }
      return;
    }
    if (typeof msg.method === 'string') {
      try {
        this.emit(msg.method, msg.params || {});
      } catch (err) {
        this.fail(err);
      }
    }
  }

  _failAll(err) {
    if (!this._failure) this._failure = err;
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) {
      const e = err.code === 'ERR_HEAPSNAP_CAPTURE' && err.message.includes(p.method) ? err : captureError(`${p.method}: ${err.message}`, { cause: err, url: this.url });
      p.reject(e);
    }
  }

  /** Rejects every pending command with `err` and drops the connection. */
  fail(err) {
    this._failAll(err);
    this.ws.destroy();
  }

  /** Sends a command; resolves with its result. */
  send(method, params = {}) {
    if (this._failure) return Promise.reject(this._failure);
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      this._pending.set(id, { method, resolve, reject });
      try {
        this.ws.send(JSON.stringify({ id, method, params }));
      } catch (err) {
        this._pending.delete(id);
        reject(err);
      }
    });
  }

  pause() {
    this.ws.pause();
  }

  resume() {
    this.ws.resume();
  }

  /** Close handshake, bounded; never throws. */
  async close(options) {
    try {
      await this.ws.close(1000, '', options);
    } catch {
      this.ws.destroy();
    }
  }
}

module.exports = { CdpSession };
