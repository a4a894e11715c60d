#!/usr/bin/env node
// Synthetic span bundles for the history benchmark: N etl.node.* spans in runs of K nodes, one
// file per run named as kfm-energy names its bundles (spans-kfm-run-<id>.json), each line an
// OTLP ExportTraceServiceRequest with the full resource and every attribute of the span
// contract, as `kfm-energy pipeline run` writes them; each run ends with its etl.run span.
// Deterministic (seeded); run ends spread over the 29 days before --now.
//
//   node bench/history/generate.mjs --out /tmp/spans --spans 1000000 [--nodes-per-run 100]
//     [--pipelines 4] [--now UNIX_SECONDS] [--seed 1]
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []));
const out = args.out;
if (!out) {
  console.error('usage: generate.mjs --out DIR [--spans N] [--nodes-per-run K] [--pipelines P]');
  process.exit(2);
}
const totalSpans = Number(args.spans ?? 1000000);
const perRun = Number(args['nodes-per-run'] ?? 100);
const pipelines = Number(args.pipelines ?? 4);
const nowS = Number(args.now ?? Math.floor(Date.now() / 1000));
let seed = Number(args.seed ?? 1) >>> 0;

// xorshift32: the same files on every machine.
function rand() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const hex = (n, digits) => n.toString(16).padStart(digits, '0');
const s = (key, v) => `{"key":"${key}","value":{"stringValue":"${v}"}}`;
const d = (key, v) => `{"key":"${key}","value":{"doubleValue":${v}}}`;
const i = (key, v) => `{"key":"${key}","value":{"intValue":"${v}"}}`;
const b = (key, v) => `{"key":"${key}","value":{"boolValue":${v}}}`;

function resource(service, runId) {
  return `{"attributes":[${s('service.name', service)},${s('kfm.run_id', runId)},` +
    `${s('kfm.component', 'etl')},${s('host.name', 'bench-host')},${s('host.arch', 'amd64')},` +
    `${s('os.type', 'linux')},${s('os.version', '6.1.0')},${s('host.id', 'f'.repeat(32))},` +
    `${i('process.pid', 4242)},${s('process.runtime.name', 'kfm-energy')},` +
    `${s('telemetry.sdk.name', 'kfm-energy')},${s('telemetry.sdk.language', 'cpp')}]}`;
}
const scope = '{"name":"kfm-energy","version":"0.1.0"}';

fs.mkdirSync(out, { recursive: true });
const runs = Math.ceil(totalSpans / perRun);
const spanSeconds = 29 * 86400;
let written = 0;
let bytes = 0;
for (let r = 0; r < runs; ++r) {
  const pipeline = `pipe${r % pipelines}`;
  const runId = `bench-${hex(r, 8)}`;
  const traceId = hex(r + 1, 32);
  const runSpanId = hex(r * 1000003 + 1, 16);
  const runStartNs = BigInt(nowS - spanSeconds + Math.floor((r / runs) * spanSeconds)) * 1000000000n;
  const service = `kfm.etl.${pipeline}`;
  const res = resource(service, runId);
  const lines = [];
  let runJ = 0, runG = 0, runRecords = 0;
  const nodes = Math.min(perRun, totalSpans - written);
  let tNs = runStartNs;
  for (let n = 0; n < nodes; ++n) {
    const node = `node${String(n).padStart(3, '0')}`;
    const durS = 0.5 + rand() * 10;
    const start = tNs;
    const end = start + BigInt(Math.round(durS * 1e9));
    tNs = end;
    const cpuJ = durS * (20 + rand() * 30);
    const dramJ = durS * (2 + rand() * 3);
    const gpuJ = n % 10 === 0 ? durS * 150 * rand() : 0;
    const totalJ = cpuJ + dramJ + gpuJ;
    const intensity = 400 + rand() * 150;
    const gco2e = totalJ / 3.6e6 * intensity;
    const records = 1000 + Math.floor(rand() * 100000);
    const bytesOut = records * 120;
    const modelled = r % 7 === 0;
    const method = modelled ? 'model-ccf-default' : 'rapl';
    runJ += totalJ; runG += gco2e; runRecords += records;
    const spanId = hex(r * 1000003 + n + 2, 16);
    const attrs = [s('kfm.run_id', runId), s('kfm.node', node), s('kfm.component', 'etl'),
      s('kfm.domain', 'hydro'), s('kfm.pipeline_kind', 'nightly'), s('kfm.hostname', 'bench-host'),
      d('energy.cpu_j', cpuJ), s('energy.cpu_method', method), d('energy.cpu_pkg_j', cpuJ * 1.5),
      d('energy.dram_j', dramJ), s('energy.dram_method', method), d('energy.gpu_j', gpuJ),
      d('energy.gpu_w_avg', gpuJ / durS), s('energy.gpu_method', gpuJ > 0 ? 'nvml-energy' : 'none'),
      d('energy.total_j', totalJ), b('energy.modelled', modelled), i('energy.substituted_intervals', 0),
      i('energy.samples', Math.ceil(durS * 10)), s('energy.cpu_accounting', 'cgroup'),
      d('util.cpu_pct', 50 + rand() * 50), d('timing.duration_s', durS), d('carbon.gco2e', gco2e),
      d('carbon.intensity_gco2_per_kwh', intensity), s('carbon.region', 'SPP_KS'),
      s('carbon.factor_resolution', 'hour'), s('carbon.table_id', 'eia930-spp'),
      s('carbon.table_version', '2026.11'), s('carbon.table_sha256', 'e'.repeat(64)),
      s('cicd.pipeline.run.id', runId), s('cicd.pipeline.task.name', node),
      i('kfm.records_out', records), i('kfm.bytes_out', bytesOut),
      d('efficiency.j_per_record', totalJ / records), d('sci.gco2e_per_record', gco2e / records),
      i('process.exit.code', 0), b('kfm.production', true), s('kfm.pipeline', pipeline)];
    const span = `{"traceId":"${traceId}","spanId":"${spanId}","parentSpanId":"${runSpanId}",` +
      `"name":"etl.node.${node}","kind":1,"startTimeUnixNano":"${start}",` +
      `"endTimeUnixNano":"${end}","attributes":[${attrs.join(',')}],"flags":1}`;
    lines.push(`{"resourceSpans":[{"resource":${res},"scopeSpans":[{"scope":${scope},"spans":[${span}]}]}]}`);
  }
  written += nodes;
  const runAttrs = [s('kfm.run_id', runId), s('kfm.pipeline', pipeline), s('kfm.component', 'etl'),
    s('kfm.hostname', 'bench-host'), s('cicd.pipeline.name', pipeline), s('cicd.pipeline.run.id', runId),
    s('cicd.pipeline.result', 'success'), i('kfm.nodes.total', nodes), i('kfm.nodes.ok', nodes),
    d('energy.total_j', runJ), b('energy.modelled', r % 7 === 0), d('carbon.gco2e', runG),
    i('kfm.records_out', runRecords), d('timing.duration_s', Number(tNs - runStartNs) / 1e9)];
  const runSpan = `{"traceId":"${traceId}","spanId":"${runSpanId}","name":"etl.run","kind":1,` +
    `"startTimeUnixNano":"${runStartNs}","endTimeUnixNano":"${tNs}","attributes":[${runAttrs.join(',')}],"flags":1}`;
  lines.push(`{"resourceSpans":[{"resource":${res},"scopeSpans":[{"scope":${scope},"spans":[${runSpan}]}]}]}`);
  const text = lines.join('\n') + '\n';
  bytes += text.length;
  fs.writeFileSync(path.join(out, `spans-kfm-run-${runId}.json`), text);
}
console.log(JSON.stringify({ files: runs, node_spans: written, run_spans: runs, bytes }));
