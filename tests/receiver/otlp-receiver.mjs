#!/usr/bin/env node
// Reference OTLP receiver for kfm-energy interop tests.
//
// It deliberately shares no code with kfm-energy: requests are decoded with the
// code that the OpenTelemetry JS project generated from the official OTLP protos
// (pbjs static module shipped in @opentelemetry/otlp-transformer), so a bug in our
// C++ encoder cannot be mirrored by a bug in the receiver. See README.md.

import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const collector = require('@opentelemetry/otlp-transformer/build/src/generated/root.js')
  .opentelemetry.proto.collector;

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'http-port': { type: 'string', default: '0' },
    'grpc-port': { type: 'string', default: '0' },
    'fail-first': { type: 'string', default: '0' },
    'fail-status': { type: 'string', default: '503' },
    'retry-after': { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
    'reject-status': { type: 'string', default: '0' },
    'partial-rejected': { type: 'string', default: '0' },
  },
  strict: true,
});
if (!args.out) {
  process.stderr.write('usage: otlp-receiver.mjs --out FILE [--host H] [--http-port P] [--grpc-port P] ' +
    '[--fail-first N] [--fail-status S] [--retry-after SEC] [--delay-ms MS] [--reject-status S] ' +
    '[--partial-rejected N]\n');
  process.exit(2);
}
const opt = {
  out: args.out,
  rejected: args.out + '.rejected',
  failFirst: Number(args['fail-first']),
  failStatus: Number(args['fail-status']),
  retryAfter: args['retry-after'],
  delayMs: Number(args['delay-ms']),
  rejectStatus: Number(args['reject-status']),
  partialRejected: Number(args['partial-rejected']),
};

const SIGNALS = {
  traces: { ns: collector.trace.v1, req: 'ExportTraceServiceRequest', res: 'ExportTraceServiceResponse',
    rejectedField: 'rejectedSpans', service: 'opentelemetry.proto.collector.trace.v1.TraceService' },
  metrics: { ns: collector.metrics.v1, req: 'ExportMetricsServiceRequest', res: 'ExportMetricsServiceResponse',
    rejectedField: 'rejectedDataPoints', service: 'opentelemetry.proto.collector.metrics.v1.MetricsService' },
  logs: { ns: collector.logs.v1, req: 'ExportLogsServiceRequest', res: 'ExportLogsServiceResponse',
    rejectedField: 'rejectedLogRecords', service: 'opentelemetry.proto.collector.logs.v1.LogsService' },
};

// google.rpc.Status / RetryInfo are not in the OTel generated module; they are tiny and
// stable, so they are declared here (field numbers as in googleapis google/rpc/*.proto).
const googleTypes = protobuf.Root.fromJSON({ nested: { google: { nested: {
  protobuf: { nested: {
    Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
  } },
  rpc: { nested: {
    Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 },
      details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
    RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
  } },
} } } });
const RpcStatus = googleTypes.lookupType('google.rpc.Status');
const RetryInfo = googleTypes.lookupType('google.rpc.RetryInfo');

// --- output -------------------------------------------------------------------------

// Created up front so tests can read them before the first request arrives.
fs.appendFileSync(opt.out, '');
fs.appendFileSync(opt.rejected, '');

// appendFileSync: the line is in the file before the client sees the answer.
const record = (file, entry) => fs.appendFileSync(file, JSON.stringify(entry) + '\n');

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

// Plain-object view for the out file; ids become hex (as in OTLP JSON), other bytes
// stay base64, 64-bit integers become decimal strings, enums numbers.
function toRecord(signal, msg) {
  const obj = SIGNALS[signal].ns[SIGNALS[signal].req].toObject(msg,
    { longs: String, enums: Number, bytes: String, defaults: false, json: true });
  const hexIds = (v) => {
    if (Array.isArray(v)) v.forEach(hexIds);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (ID_KEYS.has(k) && typeof x === 'string') v[k] = Buffer.from(x, 'base64').toString('hex');
        else hexIds(x);
      }
    }
  };
  hexIds(obj);
  return obj;
}

// --- OTLP JSON ----------------------------------------------------------------------

// fromObject alone would read ids as base64 and turn a bad int64 string into 0, so the
// two OTLP JSON rules it cannot know are checked here first. Property names are schema
// field names (attribute keys live in values), so matching by name is safe.
const ID_BYTES = { traceId: 16, spanId: 8, parentSpanId: 8 };
const INT64_KEYS = new Set(['intValue', 'asInt', 'count', 'zeroCount', 'bucketCounts', 'timeUnixNano',
  'startTimeUnixNano', 'endTimeUnixNano', 'observedTimeUnixNano']);
function checkInt64(key, x) {
  if (typeof x === 'string' ? /^-?\d+$/.test(x) : Number.isInteger(x)) return;
  throw new Error(`${key}: integer or decimal string expected, got ${JSON.stringify(x)}`);
}
function prepareOtlpJson(v) {
  if (Array.isArray(v)) return v.forEach(prepareOtlpJson);
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (k in ID_BYTES) {
      if (typeof x !== 'string' || !(x === '' || (x.length === 2 * ID_BYTES[k] && /^[0-9a-fA-F]+$/.test(x))))
        throw new Error(`${k}: expected ${2 * ID_BYTES[k]} hex digits, got ${JSON.stringify(x)}`);
      // "" means "no id" (root span); dropping it keeps JSON and protobuf records alike.
      if (x === '') delete v[k]; else v[k] = Buffer.from(x, 'hex');
    } else if (INT64_KEYS.has(k) && x !== null) {
      (Array.isArray(x) ? x : [x]).forEach((e) => checkInt64(k, e));
    } else {
      prepareOtlpJson(x);
    }
  }
}

// --- fault injection (shared by HTTP and gRPC, counted over decodable requests) ------

let exportsSeen = 0;
function injectedFault() {
  exportsSeen += 1;
  if (exportsSeen <= opt.failFirst)
    return { status: opt.failStatus, message: `injected failure ${exportsSeen} of ${opt.failFirst}`,
      retryAfter: opt.retryAfter };
  if (opt.rejectStatus) return { status: opt.rejectStatus, message: 'injected rejection' };
  return null;
}

// HTTP status -> gRPC code, for gRPC answers and for the google.rpc.Status in HTTP bodies.
const GRPC_CODE = { 400: grpc.status.INVALID_ARGUMENT, 401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED, 404: grpc.status.UNIMPLEMENTED, 429: grpc.status.RESOURCE_EXHAUSTED,
  500: grpc.status.INTERNAL, 502: grpc.status.UNAVAILABLE, 503: grpc.status.UNAVAILABLE,
  504: grpc.status.UNAVAILABLE };

function successResponse(signal) {
  const s = SIGNALS[signal];
  const body = opt.partialRejected
    ? { partialSuccess: { [s.rejectedField]: opt.partialRejected,
      errorMessage: `injected partial success: ${opt.partialRejected} rejected` } }
    : {};
  return s.ns[s.res].fromObject(body);
}

// --- HTTP ---------------------------------------------------------------------------

const PATHS = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

async function handleHttp(req, res) {
  let clientGone = false;
  res.once('close', () => { clientGone = !res.writableEnded; });

  const signal = PATHS[new URL(req.url, 'http://x').pathname] ?? null;
  const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const json = ctype === 'application/json';
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const entry = { signal, protocol: json ? 'http/json' : 'http/protobuf', gzip: encoding === 'gzip',
    headers: req.headers };

  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = Buffer.concat(chunks);

  // Work out the answer first, then delay it, then record and send it.
  let status = 200, error = null, message = null, retryAfter;
  if (!signal) [status, error] = [404, `no such path ${req.url}`];
  else if (req.method !== 'POST') [status, error] = [405, `method ${req.method} not allowed`];
  else if (!json && ctype !== 'application/x-protobuf') [status, error] = [415, `content-type ${ctype}`];
  else if (!['gzip', 'identity'].includes(encoding)) [status, error] = [415, `content-encoding ${encoding}`];
  else {
    const Req = SIGNALS[signal].ns[SIGNALS[signal].req];
    try {
      if (encoding === 'gzip') body = zlib.gunzipSync(body);
      if (json) {
        const parsed = JSON.parse(body.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('JSON object expected');
        prepareOtlpJson(parsed);
        message = Req.fromObject(parsed);
      } else {
        message = Req.decode(body);
      }
      entry.request = toRecord(signal, message);
    } catch (e) {
      [status, error] = [400, `malformed request: ${e.message}`];
    }
    const fault = status === 200 ? injectedFault() : null;
    if (fault) [status, error, retryAfter] = [fault.status, fault.message, fault.retryAfter];
  }

  if (opt.delayMs) await sleep(opt.delayMs);
  if (clientGone) return record(opt.rejected, { ...entry, status: 499, error: 'client closed the request' });

  let respType, respBody;
  if (status === 200) {
    record(opt.out, entry);
    respType = SIGNALS[signal].ns[SIGNALS[signal].res];
    respBody = successResponse(signal);
  } else {
    record(opt.rejected, { ...entry, status, error });
    respType = RpcStatus;
    respBody = RpcStatus.fromObject({ code: GRPC_CODE[status] ?? grpc.status.UNKNOWN, message: error });
  }
  const headers = { 'content-type': json ? 'application/json' : 'application/x-protobuf' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  res.writeHead(status, headers);
  res.end(json ? JSON.stringify(respBody) : respType.encode(respBody).finish());
}

const httpServer = http.createServer((req, res) => {
  handleHttp(req, res).catch((e) => {
    process.stderr.write(`otlp-receiver: ${e.stack}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

// --- gRPC ---------------------------------------------------------------------------

const GZIPPED = Symbol('gzipped');
const UNDECODABLE = Symbol('undecodable');

// grpc-js decompresses before the handler runs and does not say whether it did. This
// interceptor wraps the base call's per-message decompression step (an internal of the
// pinned grpc-js version; selftest.mjs fails if that changes) and tags the decoded
// message with what it saw.
function gzipTagger(_method, call) {
  let lastEncoding = 'identity';
  if (typeof call.decompressMessage === 'function') {
    const decompress = call.decompressMessage.bind(call);
    call.decompressMessage = (m, enc) => { lastEncoding = enc; return decompress(m, enc); };
  }
  return new grpc.ServerInterceptingCall(call, {
    start: (next) => next({
      onReceiveMessage: (msg, nextMsg) => {
        if (msg && typeof msg === 'object') msg[GZIPPED] = lastEncoding === 'gzip';
        nextMsg(msg);
      },
    }),
  });
}

function metadataToHeaders(md) {
  const out = {};
  for (const [k, v] of Object.entries(md.getMap())) out[k] = Buffer.isBuffer(v) ? v.toString('base64') : v;
  return out;
}

function grpcExport(signal) {
  return async (call, callback) => {
    const entry = { signal, protocol: 'grpc', gzip: call.request[GZIPPED] === true,
      headers: metadataToHeaders(call.metadata) };
    const bad = call.request[UNDECODABLE];
    if (!bad) entry.request = toRecord(signal, call.request);
    const fault = bad ? { status: 400, message: `malformed request: ${bad}` } : injectedFault();
    if (opt.delayMs) await sleep(opt.delayMs);
    if (call.cancelled)
      return record(opt.rejected, { ...entry, status: grpc.status.CANCELLED, error: 'client cancelled the call' });
    if (!fault) {
      record(opt.out, entry);
      return callback(null, successResponse(signal));
    }
    const code = GRPC_CODE[fault.status] ?? grpc.status.UNKNOWN;
    record(opt.rejected, { ...entry, status: code, error: fault.message });
    const metadata = new grpc.Metadata();
    if (fault.retryAfter !== undefined) {
      // OTLP/gRPC throttling signal: google.rpc.RetryInfo inside the status details.
      const retry = RetryInfo.encode(RetryInfo.fromObject(
        { retry_delay: { seconds: Number(fault.retryAfter) } })).finish();
      metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode(RpcStatus.fromObject({
        code, message: fault.message,
        details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retry }],
      })).finish()));
    }
    callback({ code, details: fault.message, metadata });
  };
}

const grpcServer = new grpc.Server({ interceptors: [gzipTagger] });
for (const [signal, s] of Object.entries(SIGNALS)) {
  const Req = s.ns[s.req], Res = s.ns[s.res];
  grpcServer.addService({
    Export: {
      path: `/${s.service}/Export`, requestStream: false, responseStream: false,
      requestSerialize: (m) => Buffer.from(Req.encode(m).finish()),
      // A decode error thrown here would become INTERNAL before the handler could record
      // it; hand it to the handler instead so it answers INVALID_ARGUMENT and logs it.
      requestDeserialize: (b) => {
        try { return Req.decode(b); } catch (e) { return { [UNDECODABLE]: e.message }; }
      },
      responseSerialize: (m) => Buffer.from(Res.encode(m).finish()),
      responseDeserialize: (b) => Res.decode(b),
    },
  }, { Export: grpcExport(signal) });
}

// --- start / stop -------------------------------------------------------------------

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  const httpClosed = new Promise((resolve) => httpServer.close(resolve));
  httpServer.closeAllConnections();
  const grpcClosed = new Promise((resolve) => {
    // Give in-flight calls a moment, then drop them so shutdown never hangs a test.
    const force = setTimeout(() => { grpcServer.forceShutdown(); resolve(); }, 2000);
    grpcServer.tryShutdown(() => { clearTimeout(force); resolve(); });
  });
  Promise.all([httpClosed, grpcClosed]).then(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const hostPort = (h, p) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);
const [httpPort, grpcPort] = await Promise.all([
  new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(Number(args['http-port']), args.host, () => resolve(httpServer.address().port));
  }),
  new Promise((resolve, reject) => {
    grpcServer.bindAsync(hostPort(args.host, args['grpc-port']), grpc.ServerCredentials.createInsecure(),
      (err, port) => (err ? reject(err) : resolve(port)));
  }),
]);

// Printed only after the signal handlers exist: a test may send SIGTERM the moment it reads it.
process.stdout.write(JSON.stringify({ http: httpPort, grpc: grpcPort }) + '\n');
