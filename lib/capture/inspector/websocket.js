'use strict';
/**
 * A minimal RFC 6455 WebSocket client, enough to talk to a V8 inspector, with no dependency.
 *
 * Node 22 has a global `WebSocket`, Node 20 does not reliably, and the inspector is the only
 * peer we need, so this is deliberately small:
 * - the opening handshake over `http`/`https` (Upgrade, Sec-WebSocket-Key, and a check of
 *   Sec-WebSocket-Accept), no extensions and no subprotocols;
 * - text frames out, always masked with a fresh random key, as a client must (§5.3);
 * - text and binary messages in, fragmented or not, with 7-, 16- and 64-bit lengths; server frames
 *   must be unmasked and have no RSV bits (§5.1, §5.2); UTF-8 is validated for text (§8.1);
 * - ping answered by pong; the close handshake both ways (§7), bounded by a timeout;
 * - `pause()`/`resume()` expose TCP backpressure, so a slow disk slows the sender instead of
 *   filling our memory.
 *
 *     const ws = await WebSocketClient.connect('ws://127.0.0.1:9229/uuid', { timeout: 5000 });
 *     ws.on('message', (text) => ...); ws.on('close', ({ code, reason }) => ...);
 *     ws.send(JSON.stringify(msg)); await ws.close();
 *
 * Errors are ERR_HEAPSNAP_CAPTURE with the URL in the message; a protocol violation by the
 * server fails the connection with close code 1002 (1007 for bad UTF-8, 1009 for too big).
 */
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const { EventEmitter } = require('node:events');
const { captureError, describeCause, invalidArgValue } = require('../../errors.js');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Builds one client frame: FIN set, masked with a fresh key. */
function encodeFrame(opcode, payload) {
  const len = payload.length;
  let header;
  if (len < 126) {
    header = Buffer.alloc(2);
    header[1] = 0x80 | len;
  } else if (len < 0x10000) {
    header = Buffer.alloc(4);
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  header[0] = 0x80 | opcode;
  const mask = crypto.randomBytes(4);
  const masked = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([header, mask, masked]);
}

class ProtocolError extends Error {
  constructor(message, closeCode = 1002) {
    super(message);
    this.closeCode = closeCode;
  }
}

/**
 * Incremental frame parser for server→client frames. `push(buf)` returns the complete frames
 * now available as { fin, opcode, payload }.
 */
class FrameParser {
  constructor(maxPayload) {
    this.maxPayload = maxPayload;
    this.chunks = [];
    this.length = 0;
  }

  push(buf) {
    this.chunks.push(buf);
    this.length += buf.length;
    const frames = [];
    for (;;) {
      const frame = this._next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  /** The first `n` buffered bytes without consuming them (n is small: headers only). */
  _peek(n) {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }

  /** Removes and returns the first `n` buffered bytes. */
  _take(n) {
    if (n === 0) return Buffer.alloc(0);
    let first = this.chunks[0];
    if (first.length < n) {
      first = Buffer.concat(this.chunks, this.length);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
    return out;
  }

  _next() {
    if (this.length < 2) return null;
    let head = this._peek(2);
    const b0 = head[0];
    const b1 = head[1];
    if (b0 & 0x70) throw new ProtocolError('server frame has RSV bits set but no extension was negotiated');
    if (b1 & 0x80) throw new ProtocolError('server frame is masked (RFC 6455 §5.1 forbids it)');
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (this.length < 4) return null;
      head = this._peek(4);
      len = head.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (this.length < 10) return null;
      head = this._peek(10);
      const big = head.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('server frame length exceeds 2^53', 1009);
      len = Number(big);
      offset = 10;
    }
    if (opcode >= 0x8) {
      if (!fin) throw new ProtocolError('server sent a fragmented control frame');
      if (len > 125) throw new ProtocolError('server sent a control frame longer than 125 bytes');
    }
    if (len > this.maxPayload) throw new ProtocolError(`server frame of ${len} bytes exceeds the ${this.maxPayload}-byte limit`, 1009);
    if (this.length < offset + len) return null;
    this._take(offset);
    // Copy so the frame does not pin a big concatenated buffer.
    const payload = Buffer.from(this._take(len));
    return { fin, opcode, payload };
  }
}

class WebSocketClient extends EventEmitter {
  /**
   * Opens a connection. options: { timeout = 10000 ms for the handshake, maxPayload = 256 MB per
   * message, headers }. Resolves once the server has accepted the upgrade.
   */
  static connect(url, options = {}) {
    return new Promise((resolve, reject) => {
      let u;
      try {
        u = new URL(url);
      } catch {
        reject(invalidArgValue('url', url, 'is not a WebSocket URL'));
        return;
      }
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
        reject(invalidArgValue('url', url, 'is not a WebSocket URL (ws: or wss:)'));
        return;
      }
      const { timeout = 10000, maxPayload = 256 * 1024 * 1024, headers = {} } = options;
      const key = crypto.randomBytes(16).toString('base64');
      const lib = u.protocol === 'wss:' ? https : http;
      const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      const req = lib.request({
        host,
        port: u.port || (u.protocol === 'wss:' ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: {
          ...headers,
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13',
        },
        timeout,
      });
      let done = false;
      const fail = (message, cause) => {
        if (done) return;
        done = true;
        req.destroy();
        reject(captureError(`WebSocket connection to ${url} failed: ${message}`, { cause, url }));
      };
      req.on('timeout', () => fail(`no handshake answer within ${timeout} ms`));
      req.on('error', (err) => fail(describeCause(err), err));
      req.on('response', (res) => {
        res.resume();
        fail(`the server answered HTTP ${res.statusCode} instead of switching protocols`);
      });
      req.on('upgrade', (res, socket, head) => {
        if (done) {
          socket.destroy();
          return;
        }
        const expected = crypto.createHash('sha1').update(key + GUID).digest('base64');
        if (res.headers['sec-websocket-accept'] !== expected) {
          socket.destroy();
          fail('the server sent a wrong Sec-WebSocket-Accept');
          return;
        }
        if (res.headers['sec-websocket-extensions']) {
          socket.destroy();
          fail(`the server chose extensions we did not offer: ${res.headers['sec-websocket-extensions']}`);
          return;
        }
        done = true;
        socket.setTimeout(0);
        socket.setNoDelay(true);
        const ws = new WebSocketClient(socket, url, maxPayload);
        resolve(ws);
        if (head && head.length) ws._onData(head);
      });
      req.end();
    });
  }

  constructor(socket, url, maxPayload) {
    super();
    this.url = url;
    this.readyState = 'open'; // 'open' | 'closing' | 'closed'
    this._socket = socket;
    this._parser = new FrameParser(maxPayload);
    this._maxPayload = maxPayload;
    this._fragments = null; // { opcode, parts, length } while a fragmented message is in flight
    this._decoder = new TextDecoder('utf-8', { fatal: true });
    this._closeInfo = null;
    socket.on('data', (buf) => this._onData(buf));
    socket.on('error', (err) => {
      if (this.readyState !== 'closed') this.emit('error', captureError(`WebSocket ${url}: ${describeCause(err)}`, { cause: err, url }));
    });
    socket.on('close', () => this._finish(this._closeInfo || { code: 1006, reason: 'connection lost' }));
  }

  _onData(buf) {
    if (this.readyState === 'closed') return;
    let frames;
    try {
      frames = this._parser.push(buf);
    } catch (err) {
      this._fail(err);
      return;
    }
    for (const f of frames) {
      if (this.readyState === 'closed') return;
      try {
        this._onFrame(f);
      } catch (err) {
        this._fail(err);
        return;
      }
    }
  }

  _onFrame({ fin, opcode, payload }) {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (this._fragments) throw new ProtocolError('new data frame while a fragmented message is unfinished');
        if (fin) this._deliver(opcode, payload);
        else this._fragments = { opcode, parts: [payload], length: payload.length };
        return;
      case OP_CONT: {
        const f = this._fragments;
        if (!f) throw new ProtocolError('continuation frame without a message to continue');
        f.parts.push(payload);
        f.length += payload.length;
        if (f.length > this._maxPayload) throw new ProtocolError(`message exceeds the ${this._maxPayload}-byte limit`, 1009);
        if (fin) {
          this._fragments = null;
          this._deliver(f.opcode, Buffer.concat(f.parts, f.length));
        }
        return;
      }
      case OP_PING:
        if (this.readyState === 'open') this._socket.write(encodeFrame(OP_PONG, payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        let code = 1005;
        let reason = '';
        if (payload.length === 1) throw new ProtocolError('close frame with a 1-byte body');
        if (payload.length >= 2) {
          code = payload.readUInt16BE(0);
          try {
            reason = this._decoder.decode(payload.subarray(2));
          } catch {
            throw new ProtocolError('close reason is not valid UTF-8', 1007);
          }
        }
        this._closeInfo = { code, reason };
        if (this.readyState === 'open') {
          // Echo the close (§5.5.1) and let the server close TCP; end our side too.
          const body = payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0);
          this.readyState = 'closing';
          this._socket.end(encodeFrame(OP_CLOSE, body));
        } else {
          this._socket.end();
        }
        return;
      }
      default:
        throw new ProtocolError(`unknown opcode 0x${opcode.toString(16)}`);
    }
  }

  _deliver(opcode, payload) {
    if (opcode === OP_TEXT) {
      let text;
      try {
        text = this._decoder.decode(payload);
      } catch {
        throw new ProtocolError('text message is not valid UTF-8', 1007);
      }
      this.emit('message', text);
    } else {
      this.emit('message', payload, { binary: true });
    }
  }

  /** Fails the connection after a protocol error: close frame with the code, then drop TCP. */
  _fail(err) {
    if (this.readyState === 'closed') return;
    const code = err.closeCode || 1002;
    const e = captureError(`WebSocket ${this.url}: ${err.message}`, { url: this.url, cause: err });
    try {
      const body = Buffer.alloc(2);
      body.writeUInt16BE(code, 0);
      this._socket.write(encodeFrame(OP_CLOSE, body));
    } catch {
      // socket already gone
    }
    this._closeInfo = { code, reason: err.message };
    this._socket.destroy();
    this.emit('error', e);
  }

  _finish(info) {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.emit('close', info);
  }

  /** Sends one text message (a string). Returns false if the socket buffer is full. */
  send(text) {
    if (this.readyState !== 'open') throw captureError(`WebSocket ${this.url} is ${this.readyState}; cannot send`, { url: this.url });
    return this._socket.write(encodeFrame(OP_TEXT, Buffer.from(String(text), 'utf8')));
  }

  /** Stops reading from the socket (TCP backpressure reaches the server). */
  pause() {
    this._socket.pause();
  }

  resume() {
    this._socket.resume();
  }

  /**
   * Starts the close handshake and resolves when the connection is closed: after the server's
   * close frame and TCP close, or after `timeout` ms, when the socket is destroyed.
   */
  close(code = 1000, reason = '', { timeout = 2000 } = {}) {
    if (this.readyState === 'closed') return Promise.resolve(this._closeInfo);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this._socket.destroy(), timeout);
      timer.unref();
      this.once('close', (info) => {
        clearTimeout(timer);
        resolve(info);
      });
      if (this.readyState === 'open') {
        this.readyState = 'closing';
        const r = Buffer.from(String(reason), 'utf8').subarray(0, 123);
        const body = Buffer.alloc(2 + r.length);
        body.writeUInt16BE(code, 0);
        r.copy(body, 2);
        this._socket.resume(); // we must read to see the server's close frame
        this._socket.write(encodeFrame(OP_CLOSE, body));
      }
    });
  }

  /** Drops the connection without a handshake. */
  destroy() {
    this._socket.destroy();
  }
}

module.exports = { WebSocketClient };
