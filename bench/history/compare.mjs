#!/usr/bin/env node
// Times `kfm-energy ingest` + `kfm-energy rollup --window 30d` against DuckDB (npm
// @duckdb/node-api, in process, all cores) computing the same aggregates over the same OTLP
// JSON lines files, then checks that both got the same figures.
//
//   node bench/history/generate.mjs --out /tmp/spans --spans 1000000
//   node bench/history/compare.mjs --spans /tmp/spans --kfm build/release/src/cli/kfm-energy
//     [--work /tmp/kfm-history-bench] [--skip-kfm] [--skip-duckdb]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const args = {};
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[a.slice(2)] = true;
  else { args[a.slice(2)] = next; ++i; }
}
if (!args.spans || !args.kfm) {
  console.error('usage: compare.mjs --spans DIR --kfm PATH/TO/kfm-energy [--work DIR]');
  process.exit(2);
}
const spans = path.resolve(args.spans);
const kfm = path.resolve(args.kfm);
const work = path.resolve(args.work ?? path.join(os.tmpdir(), 'kfm-history-bench'));
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const files = fs.readdirSync(spans).filter((f) => f.endsWith('.json'));
const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(spans, f)).size, 0);
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const result = { files: files.length, bytes, cpus: os.cpus().length };

// ---- kfm-energy: ingest into a fresh history, then the rollup document.
let rollup = null;
if (!args['skip-kfm']) {
  const env = { ...process.env, KFM_HOME: path.join(work, 'kfm-home') };
  let t0 = process.hrtime.bigint();
  const ingestOut = execFileSync(kfm, ['ingest', '-q', spans], { env, encoding: 'utf8' });
  result.kfm_ingest_s = seconds(t0);
  result.kfm_ingest = ingestOut.trim();
  t0 = process.hrtime.bigint();
  const rollupFile = path.join(work, 'rollup.json');
  execFileSync(kfm, ['rollup', '--window', '30d', '--out', rollupFile], { env, encoding: 'utf8' });
  result.kfm_rollup_s = seconds(t0);
  result.kfm_total_s = result.kfm_ingest_s + result.kfm_rollup_s;
  result.history_bytes = fs.statSync(path.join(work, 'kfm-home', 'history.sqlite')).size;
  rollup = JSON.parse(fs.readFileSync(rollupFile, 'utf8'));
}

// ---- DuckDB: the same files, the same aggregates.
const anyValue = 'STRUCT(stringValue VARCHAR, intValue VARCHAR, doubleValue DOUBLE, boolValue BOOLEAN)';
const attrs = `STRUCT("key" VARCHAR, "value" ${anyValue})[]`;
const columns = `{'resourceSpans': 'STRUCT(resource STRUCT(attributes ${attrs}), scopeSpans ` +
  `STRUCT(spans STRUCT(traceId VARCHAR, spanId VARCHAR, name VARCHAR, startTimeUnixNano VARCHAR, ` +
  `endTimeUnixNano VARCHAR, attributes ${attrs}, status STRUCT(code INTEGER))[])[])[]'}`;
const attr = (key, field) => `list_filter(s.attributes, a -> a."key" = '${key}')[1]."value".${field}`;
const resourceAttr = (key, field) => `list_filter(r.attributes, a -> a."key" = '${key}')[1]."value".${field}`;
const loadNodes = `
CREATE TEMP TABLE nodes AS
WITH rs AS (SELECT unnest(resourceSpans) AS x FROM read_json('${spans}/*.json',
              format = 'newline_delimited', columns = ${columns}, maximum_object_size = 104857600)),
ss AS (SELECT x.resource AS r, unnest(x.scopeSpans) AS y FROM rs),
sp AS (SELECT r, unnest(y.spans) AS s FROM ss)
SELECT s.traceId AS trace_id, s.spanId AS span_id,
  coalesce(${attr('kfm.run_id', 'stringValue')}, ${resourceAttr('kfm.run_id', 'stringValue')}) AS run_id,
  coalesce(${attr('kfm.pipeline', 'stringValue')}, substr(s.name, 10)) AS pipeline,
  substr(s.name, 10) AS node,
  CAST(s.startTimeUnixNano AS BIGINT) AS start_ns, CAST(s.endTimeUnixNano AS BIGINT) AS end_ns,
  ${attr('energy.total_j', 'doubleValue')} AS total_j,
  ${attr('carbon.gco2e', 'doubleValue')} AS gco2e,
  CAST(${attr('kfm.records_out', 'intValue')} AS BIGINT) AS records_out,
  CAST(${attr('kfm.bytes_out', 'intValue')} AS BIGINT) AS bytes_out,
  coalesce(${attr('energy.modelled', 'boolValue')}, false) AS modelled
FROM sp WHERE starts_with(s.name, 'etl.node.')`;
// Dedupe as the history does (one row per trace_id + span_id), then the rollup's figures.
const aggregates = {
  nodes: `
WITH n AS (SELECT DISTINCT ON (trace_id, span_id) * FROM nodes
           WHERE end_ns >= $since)
SELECT pipeline, node, CASE WHEN modelled THEN 'modelled' ELSE 'measured' END AS basis,
  count(*) AS executions, count(DISTINCT run_id) AS runs, sum(total_j) AS total_j,
  sum(gco2e) AS gco2e, sum(records_out) AS records_out,
  sum(total_j) / sum(records_out) AS j_per_record,
  sum(total_j) / (sum(bytes_out) / 1e6) AS j_per_mb, sum(gco2e) / sum(records_out) AS gco2e_per_record,
  median(total_j / records_out) AS median_j_per_record,
  quantile_cont(total_j / records_out, 0.9) AS p90_j_per_record,
  stddev_samp(total_j / records_out) AS stddev_j_per_record,
  regr_slope(total_j / records_out, end_ns / 86400e9) AS trend_j_per_record_per_day
FROM n GROUP BY ALL ORDER BY ALL`,
  runs: `
WITH n AS (SELECT DISTINCT ON (trace_id, span_id) * FROM nodes)
SELECT run_id, any_value(pipeline) AS pipeline, bool_or(modelled) AS modelled,
  min(start_ns) AS start_ns, count(*) AS node_count, sum(total_j) AS total_j,
  sum(gco2e) AS gco2e, sum(records_out) AS records_out
FROM n GROUP BY run_id HAVING min(start_ns) >= $since ORDER BY run_id`,
  pipelines: `
WITH n AS (SELECT DISTINCT ON (trace_id, span_id) * FROM nodes),
r AS (SELECT run_id, any_value(pipeline) AS pipeline, min(start_ns) AS start_ns,
        sum(total_j) AS j, sum(gco2e) AS g, sum(records_out) AS rec FROM n GROUP BY run_id)
SELECT pipeline, w.days,
  count(*) AS runs, avg(g) AS mean_gco2e_per_run, median(g) AS median_gco2e_per_run,
  quantile_cont(g, 0.9) AS p90_gco2e_per_run, stddev_samp(g) AS stddev_gco2e_per_run,
  regr_slope(g, start_ns / 86400e9) AS trend_gco2e_per_run_per_day,
  avg(j) AS mean_j_per_run, median(j) AS median_j_per_run, quantile_cont(j, 0.9) AS p90_j_per_run,
  avg(j / rec) AS mean_j_per_record, median(j / rec) AS median_j_per_record,
  quantile_cont(j / rec, 0.9) AS p90_j_per_record,
  median(g / rec) AS median_gco2e_per_record, quantile_cont(g / rec, 0.9) AS p90_gco2e_per_record
FROM r, (VALUES (7), (30)) AS w(days)
WHERE start_ns >= $now - w.days * 86400 * 1000000000::BIGINT
GROUP BY ALL ORDER BY ALL`,
  daily: `
WITH n AS (SELECT DISTINCT ON (trace_id, span_id) * FROM nodes)
SELECT pipeline, CAST(to_timestamp(start_ns / 1e9) AS DATE) AS day, count(DISTINCT run_id) AS runs,
  sum(total_j) AS j, sum(gco2e) AS g FROM n WHERE start_ns >= $since GROUP BY ALL ORDER BY ALL`,
};

let duck = null;
if (!args['skip-duckdb']) {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  let t0 = process.hrtime.bigint();
  await db.run(loadNodes);
  result.duckdb_load_s = seconds(t0);
  const nowNs = BigInt(Date.now()) * 1000000n;
  const sinceNs = nowNs - 30n * 86400n * 1000000000n;
  t0 = process.hrtime.bigint();
  duck = {};
  for (const [name, sql] of Object.entries(aggregates)) {
    const reader = await db.runAndReadAll(sql.replaceAll('$since', `${sinceNs}`).replaceAll('$now', `${nowNs}`));
    duck[name] = reader.getRowObjectsJS();
  }
  result.duckdb_aggregate_s = seconds(t0);
  result.duckdb_total_s = result.duckdb_load_s + result.duckdb_aggregate_s;
  const count = await db.runAndReadAll('SELECT count(*) AS n FROM nodes');
  result.duckdb_node_rows = Number(count.getRowObjectsJS()[0].n);
}

// ---- Same figures? Per node (pipeline, node, basis) total J and gCO2e, and per run totals.
if (rollup && duck) {
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  const key = (n) => `${n.pipeline}/${n.node}/${n.basis}`;
  const duckNodes = new Map(duck.nodes.map((n) => [key(n), n]));
  let compared = 0;
  const mismatches = [];
  for (const n of rollup.nodes) {
    const d = duckNodes.get(key(n));
    compared++;
    if (!d || !close(n.total_j, d.total_j) || !close(n.gco2e, d.gco2e)) mismatches.push({ kfm: n, duckdb: d ?? null });
  }
  if (rollup.nodes.length !== duck.nodes.length)
    mismatches.push({ count: { kfm: rollup.nodes.length, duckdb: duck.nodes.length } });
  const duckRuns = new Map(duck.runs.map((r) => [r.run_id, r]));
  for (const r of rollup.runs) {
    const d = duckRuns.get(r.run_id);
    compared++;
    if (!d || !close(r.total_j, d.total_j) || !close(r.gco2e, d.gco2e)) mismatches.push({ kfm: r, duckdb: d ?? null });
  }
  result.figures_compared = compared;
  result.mismatches = mismatches.length;
  if (mismatches.length) result.first_mismatches = mismatches.slice(0, 3);
}
console.log(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? Number(v) : v), 2));
if (result.mismatches) process.exit(1);
