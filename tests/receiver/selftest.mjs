// Self-test of the reference OTLP receiver: node --test tests/receiver/selftest.mjs
// Talks to it only through the wire formats, using the same generated code a
// third-party exporter would, so the receiver is checked independently of kfm-energy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const traceV1 = require('@opentelemetry/otlp-transformer/build/src/generated/root.js')
  .opentelemetry.proto.collector.trace.v1;
const { ExportTraceServiceRequest: Req, ExportTraceServiceResponse: Res } = traceV1;
const RECEIVER = new URL('./otlp-receiver.mjs', import.meta.url).pathname;

const TRACE_HEX = '5b8efff798038103d269b633813fc60c';
const SPAN_HEX = 'eee19b7ec3c1b174';

// OTLP JSON form: hex ids, 64-bit integers as decimal strings, enums as integers.
const jsonRequest = () => ({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'selftest' } }] },
    scopeSpans: [{
      scope: { name: 'selftest' },
      spans: [{
        traceId: TRACE_HEX, spanId: SPAN_HEX, parentSpanId: '', name: 'energy.measure', kind: 1,
        startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000',
        attributes: [
          { key: 'energy.joules', value: { doubleValue: 12.5 } },
          { key: 'sample.count', value: { intValue: '123' } },
          { key: 'device', value: { stringValue: 'cpu0' } },
          { key: 'estimated', value: { boolValue: false } },
        ],
      }],
    }],
  }],
});

// The same request as a generated-code message (ids as bytes, intValue as integer).
function protoRequest() {
  const r = jsonRequest();
  const span = r.resourceSpans[0].scopeSpans[0].spans[0];
  Object.assign(span, { traceId: Buffer.from(TRACE_HEX, 'hex'), spanId: Buffer.from(SPAN_HEX, 'hex'),
    parentSpanId: undefined });
  span.attributes[1].value.intValue = 123;
  return Req.fromObject(r);
}
const protoBytes = () => Buffer.from(Req.encode(protoRequest()).finish());

async function startReceiver(t, ...extra) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-receiver-'));
  const out = path.join(dir, 'out.jsonl');
  const proc = spawn(process.execPath, [RECEIVER, '--out', out, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const line = await Promise.race([
    once(createInterface({ input: proc.stdout }), 'line').then(([l]) => l),
    exited.then((e) => { throw new Error(`receiver exited before it was ready: ${JSON.stringify(e)}`); }),
  ]);
  const ports = JSON.parse(line);
  t.after(async () => {
    proc.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null }, 'receiver exits 0 on SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return {
    url: `http://127.0.0.1:${ports.http}/v1/traces`,
    grpcAddr: `127.0.0.1:${ports.grpc}`,
    accepted: () => lines(out),
    rejected: () => lines(out + '.rejected'),
  };
}

function grpcExport(addr, message, { gzip = false, metadata = {} } = {}) {
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(),
    gzip ? { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip } : {});
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (m) => Buffer.from(Req.encode(m).finish()), (b) => Res.decode(b), message, md,
      (err, res) => { client.close(); resolve({ err, res }); });
  });
}

const spanOf = (rec) => rec.request.resourceSpans[0].scopeSpans[0].spans[0];
const attr = (span, key) => span.attributes.find((a) => a.key === key).value;

test('protobuf, JSON, gzip and gRPC requests are recorded identically', async (t) => {
  const rx = await startReceiver(t);

  const r1 = await fetch(rx.url, { method: 'POST', body: protoBytes(),
    headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer secret' } });
  assert.equal(r1.status, 200);
  assert.equal(r1.headers.get('content-type'), 'application/x-protobuf');
  Res.decode(Buffer.from(await r1.arrayBuffer()));

  const r2 = await fetch(rx.url, { method: 'POST', body: JSON.stringify(jsonRequest()),
    headers: { 'content-type': 'application/json' } });
  assert.equal(r2.status, 200);
  assert.deepEqual(await r2.json(), {});

  const r3 = await fetch(rx.url, { method: 'POST', body: zlib.gzipSync(protoBytes()),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
  assert.equal(r3.status, 200);

  const g = await grpcExport(rx.grpcAddr, protoRequest(), { gzip: true, metadata: { 'x-tenant': 'kfm' } });
  assert.equal(g.err, null);

  const recs = rx.accepted();
  assert.equal(recs.length, 4);
  assert.deepEqual(recs.map((r) => [r.protocol, r.gzip]),
    [['http/protobuf', false], ['http/json', false], ['http/protobuf', true], ['grpc', true]]);
  for (const r of recs) {
    assert.equal(r.signal, 'traces');
    const span = spanOf(r);
    assert.equal(span.traceId, TRACE_HEX);
    assert.equal(span.spanId, SPAN_HEX);
    assert.equal(span.name, 'energy.measure');
    assert.equal(span.startTimeUnixNano, '1700000000000000000');
    assert.deepEqual(attr(span, 'sample.count'), { intValue: '123' });
    assert.deepEqual(attr(span, 'energy.joules'), { doubleValue: 12.5 });
    assert.deepEqual(attr(span, 'estimated'), { boolValue: false });
  }
  assert.deepEqual(recs[0].request, recs[1].request, 'JSON and protobuf decode to the same message');
  assert.equal(recs[0].headers.authorization, 'Bearer secret', 'headers are kept verbatim');
  assert.equal(recs[3].headers['x-tenant'], 'kfm');
  assert.deepEqual(rx.rejected(), []);
});

test('--fail-first 1 --fail-status 503 --retry-after 1: 503 with Retry-After, then 200', async (t) => {
  const rx = await startReceiver(t, '--fail-first', '1', '--fail-status', '503', '--retry-after', '1');
  const send = () => fetch(rx.url, { method: 'POST', body: protoBytes(),
    headers: { 'content-type': 'application/x-protobuf' } });
  const first = await send();
  assert.equal(first.status, 503);
  assert.equal(first.headers.get('retry-after'), '1');
  assert.equal((await send()).status, 200);
  assert.equal(rx.accepted().length, 1);
  assert.deepEqual(rx.rejected().map((r) => r.status), [503]);
});

test('gRPC fault mapping: 503 -> UNAVAILABLE with RetryInfo, then OK', async (t) => {
  const rx = await startReceiver(t, '--fail-first', '1', '--fail-status', '503', '--retry-after', '2');
  const first = await grpcExport(rx.grpcAddr, protoRequest());
  assert.equal(first.err?.code, grpc.status.UNAVAILABLE);
  const details = first.err.metadata.get('grpc-status-details-bin')[0];
  const root = protobuf.Root.fromJSON({ nested: {
    Status: { fields: { code: { type: 'int32', id: 1 }, details: { rule: 'repeated', type: 'Any', id: 3 } } },
    Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    RetryInfo: { fields: { retry_delay: { type: 'Duration', id: 1 } } },
    Duration: { fields: { seconds: { type: 'int64', id: 1 } } } } });
  const st = root.lookupType('Status').decode(details);
  assert.equal(st.details[0].type_url, 'type.googleapis.com/google.rpc.RetryInfo');
  assert.equal(Number(root.lookupType('RetryInfo').decode(st.details[0].value).retry_delay.seconds), 2);
  assert.equal((await grpcExport(rx.grpcAddr, protoRequest())).err, null);
  assert.equal(rx.accepted().length, 1);
});

test('--reject-status 400: never recorded as accepted, recorded in FILE.rejected', async (t) => {
  const rx = await startReceiver(t, '--reject-status', '400');
  const r = await fetch(rx.url, { method: 'POST', body: JSON.stringify(jsonRequest()),
    headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, grpc.status.INVALID_ARGUMENT);
  const g = await grpcExport(rx.grpcAddr, protoRequest());
  assert.equal(g.err?.code, grpc.status.INVALID_ARGUMENT);
  assert.deepEqual(rx.accepted(), []);
  assert.deepEqual(rx.rejected().map((x) => [x.protocol, x.status]), [['http/json', 400], ['grpc', 3]]);
  assert.equal(spanOf(rx.rejected()[0]).traceId, TRACE_HEX);
});

test('malformed OTLP JSON is answered 400 and not recorded as accepted', async (t) => {
  const rx = await startReceiver(t);
  const bad = [
    '{not json',
    JSON.stringify({ resourceSpans: {} }),
    (() => { const r = jsonRequest(); spanOf({ request: r }).traceId = 'xyz'; return JSON.stringify(r); })(),
    (() => { const r = jsonRequest(); attr(spanOf({ request: r }), 'sample.count').intValue = '12.5';
      return JSON.stringify(r); })(),
  ];
  for (const body of bad) {
    const r = await fetch(rx.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400, body);
  }
  assert.deepEqual(rx.accepted(), []);
  assert.equal(rx.rejected().length, bad.length);
});

test('--partial-rejected 2: 200 with partial_success over HTTP and gRPC', async (t) => {
  const rx = await startReceiver(t, '--partial-rejected', '2');
  const r = await fetch(rx.url, { method: 'POST', body: JSON.stringify(jsonRequest()),
    headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.partialSuccess.rejectedSpans, '2');
  assert.ok(body.partialSuccess.errorMessage);
  const g = await grpcExport(rx.grpcAddr, protoRequest());
  assert.equal(Number(g.res.partialSuccess.rejectedSpans), 2);
  assert.deepEqual(rx.accepted().map((x) => [x.protocol, x.gzip]), [['http/json', false], ['grpc', false]]);
});
