// Checks `kfm-energy lineage RUN --format cypher` in a real embedded property graph (kuzu):
// every value is a parameter (no declared value appears in any statement text, every $name
// used is declared), each statement runs with its parameters, and running the whole script a
// second time leaves the same nodes, relationships and properties (MERGE is idempotent).
// Expected contents come from the run's energy document, read here independently.
//   node tests/lineage/check_cypher.mjs SCRIPT ENERGY_JSON
// Exit 0 when all hold; otherwise 1 with the failures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kuzu from 'kuzu';

const [scriptFile, energyFile] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };

// cypher-shell's script form: `:param name => <JSON literal>` lines, then statements ending ';'.
function parseScript(text) {
  const params = {};
  const body = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^:param ([A-Za-z_][A-Za-z0-9_]*) => (.*)$/);
    if (m) {
      check(!(m[1] in params), `parameter ${m[1]} declared twice`);
      params[m[1]] = JSON.parse(m[2]);
    } else if (!line.startsWith('//')) {
      body.push(line);
    }
  }
  const statements = body.join('\n').split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean);
  return { params, statements };
}

const { params, statements } = parseScript(fs.readFileSync(scriptFile, 'utf8'));
const energy = JSON.parse(fs.readFileSync(energyFile, 'utf8'));
const datasets = energy.nodes.flatMap((n) => (n.datasets || []).map((d) => ({ ...d, node: n.node })));

for (const s of statements) {
  check(/^(MERGE|MATCH)\b/.test(s), `statement does not start with MERGE or MATCH: ${s}`);
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' && value.length >= 3)
      check(!s.includes(value), `value of $${name} (${JSON.stringify(value)}) is in the text: ${s}`);
  }
  for (const m of s.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g))
    check(m[1] in params, `$${m[1]} is used but never declared`);
  check(!/'[^']*'|"[^"]*"/.test(s), `statement contains a string literal: ${s}`);
}
for (const d of datasets) {
  check(Object.values(params).includes(d.name), `dataset name ${JSON.stringify(d.name)} is not a parameter`);
  check(Object.values(params).includes(d.uri), `dataset uri ${JSON.stringify(d.uri)} is not a parameter`);
}

// The graph's schema: kuzu needs its node and relationship tables declared.
const ddl = [
  'CREATE NODE TABLE Run(run_id STRING, kind STRING, domain STRING, pipeline STRING, host STRING, started_at STRING, ended_at STRING, status STRING, energy_total_j DOUBLE, carbon_gco2e DOUBLE, PRIMARY KEY(run_id))',
  'CREATE NODE TABLE TelemetryBundle(bundle_id STRING, energy_ref STRING, carbon_ref STRING, otel_span_bundle STRING, prov_ref STRING, energy_schema STRING, carbon_schema STRING, PRIMARY KEY(bundle_id))',
  'CREATE NODE TABLE DatasetVersion(id STRING, name STRING, version STRING, uri STRING, sha256 STRING, generated_at STRING, PRIMARY KEY(id))',
  'CREATE NODE TABLE NodeExecution(id STRING, name STRING, domain STRING, started_at STRING, ended_at STRING, runtime_s DOUBLE, cpu_j DOUBLE, gpu_j DOUBLE, total_j DOUBLE, gco2e DOUBLE, PRIMARY KEY(id))',
  'CREATE NODE TABLE CarbonTable(key STRING, table_id STRING, version STRING, source STRING, sha256 STRING, PRIMARY KEY(key))',
  'CREATE REL TABLE HAS_ENERGY_TELEMETRY(FROM Run TO TelemetryBundle)',
  'CREATE REL TABLE DESCRIBES_ACTIVITY(FROM TelemetryBundle TO Run)',
  'CREATE REL TABLE GENERATED(FROM Run TO DatasetVersion)',
  'CREATE REL TABLE HAS_NODE(FROM Run TO NodeExecution)',
  'CREATE REL TABLE INFORMED_BY(FROM NodeExecution TO NodeExecution)',
  'CREATE REL TABLE PRODUCED(FROM NodeExecution TO DatasetVersion)',
  'CREATE REL TABLE USED_CARBON_TABLE(FROM NodeExecution TO CarbonTable)',
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfm-kuzu-'));
const db = new kuzu.Database(path.join(dir, 'graph'));
const conn = new kuzu.Connection(db);
const rows = async (q) => (await conn.query(q)).getAll();

async function runScript() {
  for (const s of statements) {
    const used = {};
    for (const m of s.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) used[m[1]] = params[m[1]];
    const prepared = await conn.prepare(s);
    if (!check(prepared.isSuccess(), `kuzu cannot compile: ${prepared.getErrorMessage()}\n${s}`)) continue;
    await conn.execute(prepared, used);
  }
}

async function snapshot() {
  const nodes = await rows('MATCH (n) RETURN label(n) AS l, n ORDER BY l');
  const rels = await rows('MATCH (a)-[r]->(b) RETURN label(r) AS l, label(a) AS la, label(b) AS lb');
  const count = (list, key, value) => list.filter((x) => x[key] === value).length;
  const clean = (n) => { const { _id, ...rest } = n; return rest; };
  return {
    nodes: nodes.map((r) => JSON.stringify([r.l, clean(r.n)])).sort(),
    rels: rels.map((r) => `${r.la}-${r.l}->${r.lb}`).sort(),
    count: (label) => count(nodes, 'l', label),
    relCount: (label) => count(rels, 'l', label),
  };
}

try {
  for (const q of ddl) await conn.query(q);
  await runScript();
  const first = await snapshot();
  await runScript();
  const second = await snapshot();
  check(JSON.stringify(first.nodes) === JSON.stringify(second.nodes),
    `second run changed the nodes: ${first.nodes.length} -> ${second.nodes.length}`);
  check(JSON.stringify(first.rels) === JSON.stringify(second.rels),
    `second run changed the relationships: ${first.rels.length} -> ${second.rels.length}`);
  const want = {
    Run: 1, TelemetryBundle: 1, NodeExecution: energy.nodes.length,
    DatasetVersion: new Set(datasets.map((d) => `${d.name}@${d.version}`)).size,
  };
  for (const [label, n] of Object.entries(want))
    check(second.count(label) === n, `${second.count(label)} ${label} nodes, expected ${n}`);
  const wantRels = {
    HAS_ENERGY_TELEMETRY: 1, DESCRIBES_ACTIVITY: 1, GENERATED: want.DatasetVersion,
    HAS_NODE: energy.nodes.length,
    INFORMED_BY: energy.nodes.reduce((k, n) => k + (n.needs || []).filter((u) => energy.nodes.some((m) => m.node === u)).length, 0),
  };
  for (const [label, n] of Object.entries(wantRels))
    check(second.relCount(label) === n, `${second.relCount(label)} ${label} relationships, expected ${n}`);
  // Hostile values arrive intact, as data.
  for (const d of datasets) {
    const ps = await conn.prepare('MATCH (r:Run)-[:GENERATED]->(v:DatasetVersion {id: $id}) RETURN v.name AS name, v.uri AS uri, v.sha256 AS sha, r.run_id AS run');
    const found = await (await conn.execute(ps, { id: `${d.name}@${d.version}` })).getAll();
    check(found.length === 1 && found[0].name === d.name && found[0].uri === d.uri && found[0].sha === d.sha256 && found[0].run === energy.run_id,
      `dataset ${JSON.stringify(d.name)} not stored as reported: ${JSON.stringify(found)}`);
  }
  const run = await rows('MATCH (r:Run) RETURN r.kind AS kind, r.domain AS domain, r.run_id AS id');
  check(run.length === 1 && run[0].id === energy.run_id && run[0].kind && run[0].domain,
    `Run node lacks run_id, kind or domain: ${JSON.stringify(run)}`);
  console.log(`cypher: ${statements.length} statements, ${second.nodes.length} nodes, ${second.rels.length} relationships, twice`);
} finally {
  await conn.close?.();
  await db.close?.();
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const f of failures) console.log('FAIL', f);
process.exit(failures.length ? 1 : 0);
