'use strict';
/**
 * A Model Context Protocol server over stdio: JSON-RPC 2.0 messages, one per line, on stdin and
 * stdout (the MCP stdio transport). It serves tools only: `initialize`, `ping`, `tools/list`,
 * `tools/call`, with `notifications/cancelled` (the answer to a cancelled call is dropped) and
 * `notifications/progress` for calls that carry a progress token.
 *
 * Written here rather than taken from @modelcontextprotocol/sdk: the transport is a line
 * splitter and the server side of these five methods is ~150 lines, while the SDK would bring a
 * schema library and an HTTP stack into heapsnap's runtime dependencies (it has none). The tests
 * drive this server with the SDK's own client.
 *
 *     const server = new McpServer({ name, version, instructions, tools });
 *     server.listen(process.stdin, process.stdout);   // resolves when stdin ends
 *
 * A tool: { name, title, description, inputSchema, annotations, handler(args, ctx) } where
 * handler returns { text, data } (shown as a text block plus structuredContent) or throws; a
 * thrown error becomes an `isError` result the model can read and act on.
 */
const { validate } = require('./schema.js');

const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

class McpServer {
  #tools;
  #info;
  #instructions;
  #out = null;
  #inflight = new Map(); // request id → AbortController
  #initialized = false;

  constructor({ name, version, title, instructions, tools }) {
    this.#info = { name, version, ...(title ? { title } : {}) };
    this.#instructions = instructions;
    this.#tools = new Map(tools.map((t) => [t.name, t]));
  }

  #send(message) {
    if (!this.#out || this.#out.destroyed) return;
    this.#out.write(JSON.stringify(message) + '\n');
  }

  #reply(id, result) {
    this.#send({ jsonrpc: '2.0', id, result });
  }

  #error(id, code, message, data) {
    this.#send({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } });
  }

  /** Reads messages from `input` until it ends; writes answers to `output`. */
  listen(input, output) {
    this.#out = output;
    let buffer = '';
    input.setEncoding?.('utf8');
    return new Promise((resolve) => {
      input.on('data', (chunk) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line.trim()) this.#receive(line);
        }
      });
      const done = () => {
        for (const c of this.#inflight.values()) c.abort();
        resolve();
      };
      input.once('end', done);
      input.once('close', done);
      input.once('error', done);
    });
  }

  #receive(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      return this.#error(null, PARSE_ERROR, `Parse error: ${e.message}`);
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) return this.#error(null, INVALID_REQUEST, 'Invalid Request: empty batch');
      for (const m of msg) this.#dispatch(m);
      return;
    }
    this.#dispatch(msg);
  }

  #dispatch(msg) {
    if (msg === null || typeof msg !== 'object' || msg.jsonrpc !== '2.0') {
      return this.#error(msg?.id ?? null, INVALID_REQUEST, 'Invalid Request: expected a JSON-RPC 2.0 message');
    }
    const isRequest = Object.hasOwn(msg, 'id') && typeof msg.method === 'string';
    if (!isRequest) {
      if (typeof msg.method === 'string') this.#notification(msg);
      return; // a response to us (we send no requests): ignored
    }
    const { id, method } = msg;
    const params = msg.params ?? {};
    Promise.resolve()
      .then(() => this.#request(id, method, params))
      .catch((e) => this.#error(id, INTERNAL_ERROR, `Internal error: ${e && e.message}`));
  }

  #notification(msg) {
    if (msg.method === 'notifications/initialized') this.#initialized = true;
    else if (msg.method === 'notifications/cancelled') {
      const c = this.#inflight.get(msg.params?.requestId);
      if (c) c.abort(new Error(msg.params?.reason ?? 'cancelled by the client'));
    }
  }

  async #request(id, method, params) {
    switch (method) {
      case 'initialize': {
        const asked = params.protocolVersion;
        this.#reply(id, {
          protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
          capabilities: { tools: { listChanged: false } },
          serverInfo: this.#info,
          ...(this.#instructions ? { instructions: this.#instructions } : {}),
        });
        return;
      }
      case 'ping':
        return this.#reply(id, {});
      case 'tools/list':
        return this.#reply(id, {
          tools: [...this.#tools.values()].map((t) => ({
            name: t.name,
            ...(t.title ? { title: t.title } : {}),
            description: t.description,
            inputSchema: t.inputSchema,
            ...(t.annotations ? { annotations: t.annotations } : {}),
          })),
        });
      case 'tools/call':
        return this.#call(id, params);
      default:
        return this.#error(id, METHOD_NOT_FOUND, `Method not found: ${method}`);
    }
  }

  async #call(id, params) {
    const tool = this.#tools.get(params?.name);
    if (!tool) return this.#error(id, INVALID_PARAMS, `Unknown tool: ${params?.name}`);
    const args = params.arguments ?? {};
    const problem = validate(args, tool.inputSchema);
    if (problem) return this.#reply(id, errorResult(`Invalid arguments for ${tool.name}: ${problem}`));
    const controller = new AbortController();
    this.#inflight.set(id, controller);
    const token = params._meta?.progressToken;
    let lastProgress = -1;
    const ctx = {
      signal: controller.signal,
      progress:
        token === undefined
          ? undefined
          : (done, total, message) => {
              if (done <= lastProgress) return; // progress must increase
              lastProgress = done;
              this.#send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: done, total, message } });
            },
    };
    try {
      const { text, data } = await tool.handler(args, ctx);
      if (controller.signal.aborted) return;
      this.#reply(id, { content: [{ type: 'text', text }], ...(data === undefined ? {} : { structuredContent: data }) });
    } catch (e) {
      if (controller.signal.aborted) return;
      this.#reply(id, errorResult(e && e.code ? `${e.message} [${e.code}]` : String(e && e.message ? e.message : e)));
    } finally {
      this.#inflight.delete(id);
    }
  }
}

function errorResult(text) {
  return { content: [{ type: 'text', text }], isError: true };
}

module.exports = { McpServer, PROTOCOL_VERSIONS };
