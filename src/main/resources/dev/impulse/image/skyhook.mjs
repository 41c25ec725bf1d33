/*
 * skyhook.mjs: impulse's platform wrapper around one guest function, for Node.js.
 *
 * The same contract as skyhook.py. It loads the guest's index.js, listens on the port the daemon
 * allocated (SKYHOOK_PORT) and turns every POST with a JSON body into a call of
 * skyhook(request, meta), answering with the JSON result.
 *
 *   POST <any path>  -> 200 and the result as JSON (undefined is null)
 *                       400 when the body is not JSON
 *                       500 {"error": <name>, "message": <text>} when the function throws, its
 *                       promise rejects or its result cannot be JSON (a BigInt, a cycle)
 *   GET /healthz     -> 200 once the guest is loaded (nothing is answered before), with the
 *                       wrapper's start-up times (epoch seconds) under "timings"
 *
 * The guest is SKYHOOK_GUEST_DIR/index.js, loaded with import() of its file URL: a CommonJS
 * module or an ES module as Node itself decides (the nearest package.json's "type"; Node 20.19+
 * and 22.7+ also take an index.js with import/export syntax as an ES module). The function is the
 * first of: a named export skyhook (`export function skyhook`, `exports.skyhook = ...`), the
 * default export's skyhook (`export default {skyhook}`, `module.exports = {skyhook}`; called with
 * that object as `this`), or the default export itself when it is a function
 * (`module.exports = function skyhook`, `export default function`). It may return a value or a
 * promise. `request` is the decoded body (null when the body is empty); `meta` is
 * {chamber_id, app, version, path, method, headers}, the headers as the client spelt them (the
 * last value of a name spelt the same way twice, as in skyhook.py).
 * A thrown error is named by its name, or by its class's name when its name is the generic
 * "Error" (class NotFound extends Error {} is "NotFound"); a thrown non-object is an "Error".
 *
 * A guest that cannot be loaded (a syntax error, a missing module, an error thrown while it
 * loads, no skyhook function, an exit while it loads) ends the process with status 3, after
 * writing the reason to the termination log (SKYHOOK_TERMINATION_LOG), which the daemon reports
 * as the chamber's reason. SIGTERM and SIGINT stop accepting, let requests in flight finish and
 * exit with status 0. An exception the guest leaves uncaught later (a timer's, a promise
 * rejection nobody handles) ends the process as Node does, with status 1.
 *
 * A stem cell (SKYHOOK_CONTROL set) starts before it has a function: once its own imports are
 * done it connects to the daemon's control socket, says it is ready ({"ready": <timings>}) and
 * waits. The daemon mounts the guest at SKYHOOK_GUEST_DIR and sends one line of JSON,
 * {"env": {...}, "meta": {...}}: the chamber's environment and identity. The wrapper closes the
 * connection before it applies them and loads the guest, so the function never holds the control
 * path. Unlike skyhook.py, which binds its port before it says it is ready and listens once
 * specialised, this wrapper binds only once specialised: Node cannot bind a TCP port without
 * listening on it, and a cell must not take connections before it is a chamber's. With bridge
 * networking the port is in the cell's own network namespace, where nothing else can take it;
 * with host networking the daemon's allocation keeps other chambers off it, and should a listen
 * fail once specialised, the process ends with status 1 (skyhook.py's cell would have failed
 * before saying ready). As in skyhook.py it listens before it loads the guest: callers who
 * connect meanwhile wait until the guest is loaded.
 *
 * Node's standard library only (node:http, node:net, node:fs, node:path, node:url); Node 18 or
 * newer. Its HTTP/1.1 is Node's own: keep-alive (an idle connection stays until the client closes
 * it, as with skyhook.py), Content-Length and chunked bodies, Expect: 100-continue; a head over
 * 64 KiB or 100 header lines is 431, anything malformed 400 (and the connection closes), a body
 * over SKYHOOK_MAX_BODY_BYTES (16 MiB) 413 unread, and methods other than POST 405 (the common
 * ones) or 501 (a method Node's parser does not know at all is malformed: 400). A function runs
 * on the one event loop: calls overlap only where they await, and a function that computes
 * without awaiting holds up every other call and /healthz meanwhile.
 */

import { createServer } from 'node:http';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Epoch seconds, to the microsecond where the platform has it. */
const now = () => (performance.timeOrigin + performance.now()) / 1000;

// started: when the process began (Node's time origin); imports_done: the wrapper's own imports.
const TIMINGS = { started: performance.timeOrigin / 1000, imports_done: now() };

const GUEST_IMPORT_FAILED = 3;

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    process.stderr.write(`skyhook: ${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

function integer(name, fallback, max) {
  const text = env(name, fallback).trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) {
    process.stderr.write(`skyhook: ${name} is not a number up to ${max}: ${text}\n`);
    process.exit(2);
  }
  return value;
}

const PORT = integer('SKYHOOK_PORT', undefined, 65535);
const HOST = env('SKYHOOK_HOST', '127.0.0.1');
const GUEST_DIR = env('SKYHOOK_GUEST_DIR', '/opt/guest');
const TERMINATION_LOG = env('SKYHOOK_TERMINATION_LOG', '/dev/termination-log');
const MAX_BODY = integer(
  'SKYHOOK_MAX_BODY_BYTES', String(16 * 1024 * 1024), Number.MAX_SAFE_INTEGER,
);
const META = {
  chamber_id: process.env.SKYHOOK_CHAMBER_ID ?? '',
  app: process.env.SKYHOOK_APP ?? '',
  version: process.env.SKYHOOK_VERSION ?? '',
};

const MAX_CONTROL_LINE = 1024 * 1024; // the chamber's env is bounded far below this by the daemon
const MAX_HEAD = 64 * 1024;
const MAX_HEADERS = 100;
const REASONS = {
  200: 'OK', 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout',
  413: 'Content Too Large', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented',
};
const NOT_ALLOWED = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

let terminating = false; // the wrapper itself is ending the process: no other reason is recorded
let stopping = false; // SIGTERM or SIGINT came
let server = null; // once listening
let inFlight = 0; // requests whose head is read and whose answer is not yet written
let guest = null; // {fn, self} once loaded
let guestLoaded = null; // a cell's: settles once its guest is loaded, after it listens

/** Records why the chamber ends where the daemon looks for it, then exits. */
function terminate(reason) {
  terminating = true;
  writeTermination(reason);
  process.exit(GUEST_IMPORT_FAILED);
}

function writeTermination(reason) {
  // 4096 characters, as skyhook.py: counted by code point, so no surrogate pair is cut in two
  const text = Array.from(reason.slice(0, 8192)).slice(0, 4096).join('');
  try {
    writeFileSync(TERMINATION_LOG, text);
  } catch (error) {
    process.stderr.write(`skyhook: cannot write ${TERMINATION_LOG}: ${error.message}\n`);
  }
  process.stderr.write(`skyhook: ${reason}\n`);
}

function printError(error) {
  try {
    console.error(error); // the stack, its cause and its own properties, as Node shows them
  } catch {
    // stderr gone or an error that cannot be shown: nothing else to do
  }
}

/** What an error is called: its name, or its class's when the name is the generic one. */
function errorName(error) {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    return 'Error';
  }
  try {
    const { name } = error;
    const type = error.constructor?.name;
    if (typeof name === 'string' && name && (name !== 'Error' || !type)) {
      return name;
    }
    return typeof type === 'string' && type ? type : 'Error';
  } catch {
    return 'Error';
  }
}

function errorMessage(error) {
  try {
    if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
      return error.message;
    }
    return String(error);
  } catch {
    return '';
  }
}

/**
 * Loads index.js and finds its function. Until it is loaded, the process ending for any reason
 * but a stop (the guest calls process.exit(), throws from a timer, leaves nothing to wait for
 * before its top-level await settles) is a load failure too.
 */
async function loadGuest() {
  let uncaught;
  const monitor = (error) => {
    uncaught = error;
  };
  const exiting = (code) => {
    if (terminating || stopping) {
      return;
    }
    writeTermination(
      uncaught !== undefined
        ? `guest import failed: ${errorName(uncaught)}: ${errorMessage(uncaught)}`
        : `guest import failed: the process exited (status ${code}) before index.js was loaded`,
    );
    process.exitCode = GUEST_IMPORT_FAILED;
  };
  process.on('uncaughtExceptionMonitor', monitor);
  process.on('exit', exiting);
  try {
    let module;
    try {
      module = await import(pathToFileURL(join(GUEST_DIR, 'index.js')).href);
    } catch (error) {
      printError(error);
      terminate(`guest import failed: ${errorName(error)}: ${errorMessage(error)}`);
    }
    let found;
    try {
      found = findFunction(module);
    } catch (error) {
      printError(error); // a getter of the guest's exports threw
      terminate(`guest import failed: ${errorName(error)}: ${errorMessage(error)}`);
    }
    if (!found) {
      terminate('guest import failed: index.js does not export skyhook(request, meta)');
    }
    return found;
  } finally {
    process.off('uncaughtExceptionMonitor', monitor);
    process.off('exit', exiting);
  }
}

function findFunction(module) {
  const fallback = module.default;
  const isObject = typeof fallback === 'object' || typeof fallback === 'function';
  const holder = fallback !== null && isObject ? fallback : undefined;
  if (typeof module.skyhook === 'function') {
    // CommonJS: the same function as module.exports.skyhook, called on module.exports
    return { fn: module.skyhook, self: holder?.skyhook === module.skyhook ? holder : undefined };
  }
  if (typeof holder?.skyhook === 'function') {
    return { fn: holder.skyhook, self: holder };
  }
  if (typeof fallback === 'function') {
    return { fn: fallback, self: undefined };
  }
  return null;
}

/** A stem cell: waits for the chamber it becomes, then takes on its environment and identity. */
async function specialise(path) {
  const line = await new Promise((resolve, reject) => {
    const control = connect(path);
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (error) => {
      if (done) {
        return;
      }
      done = true;
      control.destroy(); // before any guest code runs
      if (error) {
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    control.on('connect', () => control.write(`${JSON.stringify({ ready: TIMINGS })}\n`));
    control.on('data', (chunk) => {
      const end = chunk.indexOf(10);
      const part = end < 0 ? chunk : chunk.subarray(0, end + 1);
      chunks.push(part);
      size += part.length;
      if (end >= 0 || size >= MAX_CONTROL_LINE) {
        finish();
      }
    });
    control.on('end', () => finish());
    control.on('error', finish);
  });
  if (line.length > MAX_CONTROL_LINE || line[line.length - 1] !== 10) {
    process.stderr.write('skyhook: the daemon hung up before specialising this cell\n');
    process.exit(GUEST_IMPORT_FAILED);
  }
  const chamber = JSON.parse(line.toString('utf8'));
  delete process.env.SKYHOOK_CONTROL;
  Object.assign(process.env, chamber.env); // a TZ among them takes effect at once, in Node
  Object.assign(META, chamber.meta);
  TIMINGS.specialised = now();
}

function json(value) {
  return JSON.stringify(value);
}

/** An answer Node's HTTP machinery has no request for: a whole response, then the close. */
function rawAnswer(status, error, message) {
  const payload = json({ error, message });
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\nServer: skyhook\r\n`
    + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`
    + `Connection: close\r\n\r\n${payload}`;
}

function send(res, status, payload, extra = {}, close = false) {
  // One write: Node sends a head it has not sent yet together with the string that ends it.
  const headers = {
    Server: 'skyhook',
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...extra,
  };
  if (close || stopping) {
    headers.Connection = 'close';
  }
  res.sendDate = false; // no Date, as from skyhook.py
  res.writeHead(status, REASONS[status], headers);
  res.end(payload);
}

class Refusal extends Error {
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

/** The body, whole; rejects with a Refusal past MAX_BODY and with an error when the client goes. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.off('data', onData);
        req.pause(); // the rest stays unread: the connection closes after the answer
        reject(new Refusal(413, 'PayloadTooLarge', `body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('close', () => reject(new Error('the client hung up inside the body')));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true }); // a BOM is dropped, as by json.loads

function isBlank(body) {
  for (const byte of body) {
    if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d)) {
      return false;
    }
  }
  return true;
}

/** The meta's headers: as the client spelt each name, the last value where one is repeated. */
function givenHeaders(raw) {
  const given = {};
  for (let i = 0; i < raw.length; i += 2) {
    // defined, not assigned: a header called __proto__ is a header like any other
    Object.defineProperty(given, raw[i], {
      value: raw[i + 1], enumerable: true, writable: true, configurable: true,
    });
  }
  return given;
}

async function call(req, res) {
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > MAX_BODY) {
    throw new Refusal(413, 'PayloadTooLarge', `body over ${MAX_BODY} bytes`);
  }
  let body;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof Refusal) {
      throw error;
    }
    return; // the client left (or its body was malformed, answered by onClientError)
  }
  let request = null;
  if (!isBlank(body)) {
    try {
      request = JSON.parse(utf8.decode(body));
    } catch (error) {
      const message = `request body is not JSON: ${error.message}`;
      send(res, 400, json({ error: 'InvalidJSON', message }));
      return;
    }
  }
  const meta = { ...META, path: req.url, method: 'POST', headers: givenHeaders(req.rawHeaders) };
  let status = 200;
  let payload;
  try {
    const result = await guest.fn.call(guest.self, request, meta);
    payload = JSON.stringify(result === undefined ? null : result) ?? 'null'; // a function is null
  } catch (error) {
    printError(error);
    status = 500;
    payload = json({ error: errorName(error), message: errorMessage(error) });
  }
  send(res, status, payload);
}

async function serve(req, res) {
  if (guest === null) {
    await guestLoaded; // a cell listens before it loads its guest
  }
  if (req.rawHeaders.length > 2 * MAX_HEADERS) {
    throw new Refusal(431, 'HeaderTooLarge', `more than ${MAX_HEADERS} header lines`);
  }
  if (req.method === 'POST') {
    await call(req, res);
  } else if (req.method === 'GET' && req.url.split('?', 1)[0] === '/healthz') {
    send(res, 200, json({ status: 'ok', timings: TIMINGS }));
  } else if (NOT_ALLOWED.has(req.method)) {
    const payload = json({ error: 'MethodNotAllowed', message: 'call the function with POST' });
    send(res, 405, payload, { Allow: 'POST' }, req.method === 'HEAD');
  } else {
    send(res, 501, json({ error: 'NotImplemented', message: 'unsupported method' }), {}, true);
  }
}

function onRequest(req, res) {
  inFlight += 1;
  res.once('close', () => {
    inFlight -= 1;
    exitWhenIdle();
  });
  serve(req, res).catch((error) => {
    if (error instanceof Refusal && !res.headersSent) {
      // answered, then closed before the rest is read
      res.once('finish', () => req.socket?.destroy());
      send(res, error.status, json({ error: error.error, message: error.message }), {}, true);
    } else {
      printError(error);
      res.destroy();
    }
  });
}

const ANSWERED = Symbol('skyhook.answered');

/** A request Node's parser refused: 400 (431 for a head over 64 KiB), then the close. */
function onClientError(error, socket) {
  if (socket[ANSWERED]) {
    return; // more of the same broken stream
  }
  socket[ANSWERED] = true;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let answer;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer = rawAnswer(431, 'HeaderTooLarge', `request head over ${MAX_HEAD} bytes`);
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    answer = rawAnswer(408, 'RequestTimeout', 'the request took too long');
  } else {
    answer = rawAnswer(400, 'BadRequest', error.reason || error.message);
  }
  const close = () => socket.end(answer, () => socket.destroy());
  const pending = socket._httpMessage; // the answer Node still owes on this connection, if any
  if (pending && !pending.writableFinished) {
    if (pending.req?.complete) {
      // a later request (pipelined) is the broken one: it is answered after the pending one
      socket.pause();
      pending.once('finish', close);
      pending.once('close', () => pending.writableFinished || socket.destroy()); // it never was
      return;
    }
    if (pending.headersSent) {
      socket.destroy(); // the broken body is the one being answered already
      return;
    }
  }
  close();
}

/** CONNECT: Node hands it over as a raw socket; it is not a call. */
function onConnect(req, socket) {
  socket.end(rawAnswer(501, 'NotImplemented', 'unsupported method'), () => socket.destroy());
}

function listen() {
  return new Promise((resolve, reject) => {
    const created = createServer(
      {
        maxHeaderSize: MAX_HEAD,
        noDelay: true, // head and body go out in one write: nothing waits on a delayed ACK
        keepAliveTimeout: 0, // an idle connection stays, as with skyhook.py: the daemon pools them
        headersTimeout: 0, // no timeouts of the wrapper's own, as with skyhook.py: the daemon's
        requestTimeout: 0, // proxy bounds slow callers
        requireHostHeader: false, // Node 20 would refuse an HTTP/1.1 request without Host
      },
      onRequest,
    );
    created.keepAliveTimeout = 0; // Node 18 takes it only here
    created.headersTimeout = 0;
    created.requestTimeout = 0;
    created.maxHeadersCount = MAX_HEADERS + 1; // one more than allowed: more is a 431
    created.on('checkExpectation', onRequest); // an Expect other than 100-continue is ignored
    created.on('clientError', onClientError);
    created.on('connect', onConnect);
    created.once('error', reject);
    created.listen({ port: PORT, host: HOST, backlog: 128 }, () => {
      created.off('error', reject);
      // Accepting fails only for want of descriptors or memory, the function's own limits:
      // libuv backs off, and the wrapper carries on.
      created.on('error', (error) => process.stderr.write(`skyhook: ${error.message}\n`));
      resolve(created);
    });
  });
}

/** Stops accepting; idle connections close, busy ones after their answer; then exits. */
function stop() {
  if (stopping) {
    return;
  }
  stopping = true;
  if (server === null) {
    process.exit(0); // nothing can be in flight before the wrapper listens
  }
  server.close();
  server.closeIdleConnections?.(); // Node 18.2+; 19+ does it in close() too
  exitWhenIdle();
}

function exitWhenIdle() {
  if (stopping && inFlight === 0) {
    process.exit(0);
  }
}

async function main() {
  // As PID 1 of its namespace this process gets no default signal handling: without a handler
  // SIGTERM would be ignored and every stop would wait for SIGKILL.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.env.SKYHOOK_CONTROL) {
    await specialise(process.env.SKYHOOK_CONTROL);
    // A cell listens before it loads its guest, as skyhook.py does: callers who connect from now
    // on wait until the guest is loaded (serve awaits this), instead of being refused.
    let loaded;
    guestLoaded = new Promise((resolve) => {
      loaded = resolve;
    });
    server = await listen();
    TIMINGS.listening = now();
    guest = await loadGuest(); // or the process ends
    TIMINGS.guest_imported = now();
    loaded();
  } else {
    guest = await loadGuest();
    TIMINGS.guest_imported = now();
    server = await listen();
    TIMINGS.listening = now();
  }
  exitWhenIdle(); // a stop that came while the guest loaded
}

main().catch((error) => {
  printError(error);
  process.exit(1);
});
