#!/usr/bin/python3
"""Checks `kfm-energy lineage` output for one run with the standard tools of each field.

PROV-O and DCAT are parsed by rdflib (Turtle and JSON-LD, which must be the same graph) and
by raptor's `rapper`; SPARQL queries assert the structure against figures read here,
independently, from the run's energy and carbon documents and from the DAG edges given on
the command line. STAC items are checked against the STAC 1.0 core rules; the release bundle
against schemas/telemetry/telemetry-bundle-v1.json and the files' own sha256.

Run with Debian's python3 (python3-rdflib, python3-jsonschema, raptor2-utils):
  /usr/bin/python3 tests/lineage/check_lineage.py --binary build/dev/src/cli/kfm-energy \
      --home "$KFM_HOME" --run-id RUN --edge publish=hrrr_ingest,usgs_gauges --work /tmp/x
Exit 0 when every check holds; otherwise 1 with one line per failed check.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import re
import subprocess
import sys

import jsonschema
import rdflib
from rdflib.compare import isomorphic

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
KFM = rdflib.Namespace("https://kfm.example/ns/energy#")
PREFIXES = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX kfm: <https://kfm.example/ns/energy#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
    return condition


def utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def close(a, b):
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15)


def lineage(args, fmt, out, *extra, env=None):
    cmd = [args.binary, "lineage", args.run_id, "--format", fmt, "--out", out, *extra]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    check(run.returncode == 0, f"{' '.join(cmd)} exited {run.returncode}: {run.stderr}")
    return run


def rapper_count(path):
    run = subprocess.run(["rapper", "-i", "turtle", "-c", path], capture_output=True, text=True)
    check(run.returncode == 0, f"rapper cannot parse {path}: {run.stderr}")
    m = re.search(r"returned (\d+) triples", run.stderr)
    return int(m.group(1)) if m else -1


def parse_both(ttl, jsonld, what):
    g = rdflib.Graph().parse(ttl, format="turtle")
    j = rdflib.Graph().parse(jsonld, format="json-ld")
    check(len(g) > 0, f"{what}: empty graph")
    check(isomorphic(g, j), f"{what}: Turtle and JSON-LD are not the same graph "
          f"({len(g)} vs {len(j)} triples)")
    n = rapper_count(ttl)
    check(n == len(g), f"{what}: rapper read {n} triples, rdflib {len(g)}")
    return g


def one(graph, query, **bindings):
    rows = list(graph.query(PREFIXES + query, initBindings=bindings))
    return rows


def check_prov(args, energy, carbon, edges):
    ttl, jsonld = os.path.join(args.work, "prov.ttl"), os.path.join(args.work, "prov.jsonld")
    lineage(args, "prov-turtle", ttl)
    lineage(args, "prov-jsonld", jsonld)
    g = parse_both(ttl, jsonld, "PROV-O")
    at_end = os.path.join(args.home, "telemetry", "prov", f"kfm-run-{args.run_id}.jsonld")
    if check(os.path.exists(at_end), f"{at_end} was not written when the run ended"):
        written = rdflib.Graph().parse(at_end, format="json-ld")
        check(isomorphic(written, g), "the PROV-O written at run end differs from `lineage`'s")

    nodes = energy["nodes"]
    carbon_by_span = {n["span_id"]: n for n in carbon["nodes"]}
    activities = one(g, """SELECT ?a ?name ?span ?start ?end ?cpu ?gpu ?total ?runtime WHERE {
        ?a a prov:Activity, kfm:NodeExecution ; kfm:node ?name ; kfm:span_id ?span ;
           prov:startedAtTime ?start ; prov:endedAtTime ?end ; kfm:energy.cpu_j ?cpu ;
           kfm:energy.gpu_j ?gpu ; kfm:energy.total_j ?total ; kfm:runtime_s ?runtime }""")
    check(len(activities) == len(nodes),
          f"PROV-O: {len(activities)} node activities, the energy document has {len(nodes)} nodes")
    by_span = {str(r.span): r for r in activities}
    iri_by_name = {}
    for node in nodes:
        row = by_span.get(node["span_id"])
        if not check(row is not None, f"PROV-O: no activity for node {node['node']}"):
            continue
        iri_by_name[node["node"]] = row.a
        check(str(row.name) == node["node"], f"PROV-O: activity name {row.name} != {node['node']}")
        check(row.start.toPython() == utc(node["start_time"]) and
              row.end.toPython() == utc(node["end_time"]),
              f"PROV-O: {node['node']} times differ from the energy document")
        check(row.start.datatype == rdflib.XSD.dateTime, "PROV-O: startedAtTime not xsd:dateTime")
        check(close(row.cpu.toPython(), node["cpu"]["attributed_j"]), f"PROV-O: {node['node']} cpu_j")
        check(close(row.gpu.toPython(), node["gpu"]["attributed_j"]), f"PROV-O: {node['node']} gpu_j")
        check(close(row.total.toPython(), node["total_j"]), f"PROV-O: {node['node']} total_j")
        check(close(row.runtime.toPython(), node["duration_s"]), f"PROV-O: {node['node']} runtime")
        scored = carbon_by_span.get(node["span_id"])
        if scored is not None:
            grams = one(g, "SELECT ?c WHERE { ?a kfm:carbon.gco2e ?c }", a=row.a)
            check(len(grams) == 1 and close(grams[0].c.toPython(), scored["gco2e"]),
                  f"PROV-O: {node['node']} carbon.gco2e != carbon document's {scored['gco2e']}")
            for table_key in {h["table"] for h in scored["hours"]}:
                t = carbon["tables"][table_key]
                used = one(g, """SELECT ?t WHERE { ?a prov:used ?t . ?t a prov:Entity ;
                    kfm:table_id ?id ; kfm:table_version ?v ; kfm:sha256 ?sha ; kfm:source ?src }""",
                           a=row.a, id=rdflib.Literal(t["id"]), v=rdflib.Literal(t["version"]),
                           sha=rdflib.Literal(t["sha256"]), src=rdflib.Literal(t["source"]))
                check(len(used) == 1, f"PROV-O: {node['node']} does not use table {table_key} "
                      "as an Entity with its id, version, source and sha256")
        for agent_query in ("?g a prov:SoftwareAgent ; rdfs:label ?l . FILTER(STRSTARTS(?l, 'kfm-energy '))",
                            "?g a kfm:Host ; kfm:hostname ?h . FILTER(?h = ?host)",
                            "?g a kfm:Pipeline"):
            rows = one(g, "SELECT ?g WHERE { ?a prov:wasAssociatedWith ?g . " + agent_query + " }",
                       a=row.a, host=rdflib.Literal(node["hostname"]))
            check(len(rows) == 1, f"PROV-O: {node['node']} not associated with: {agent_query}")
        for d in node.get("datasets", []):
            rows = one(g, """SELECT ?e WHERE { ?e a prov:Entity, kfm:DatasetVersion ; kfm:dataset ?n ;
                kfm:version ?v ; kfm:sha256 ?s ; kfm:uri ?u ; prov:wasGeneratedBy ?a }""",
                       a=row.a, n=rdflib.Literal(d["name"]), v=rdflib.Literal(d["version"]),
                       s=rdflib.Literal(d["sha256"]),
                       u=rdflib.Literal(d["uri"], datatype=rdflib.XSD.anyURI))
            check(len(rows) == 1, f"PROV-O: dataset {d['name']!r} {d['version']!r} not generated "
                  f"by {node['node']}")
    runs = one(g, "SELECT ?r WHERE { ?r a prov:Activity, kfm:Run ; kfm:run_id ?id }",
               id=rdflib.Literal(args.run_id))
    check(len(runs) == 1, "PROV-O: not exactly one run activity")
    parts = one(g, "SELECT ?a WHERE { ?a a kfm:NodeExecution ; dct:isPartOf ?r }",
                r=runs[0].r if runs else rdflib.URIRef("urn:none"))
    check(len(parts) == len(nodes), "PROV-O: not every node activity is part of the run")
    informed = {(str(r.a), str(r.b)) for r in one(g, "SELECT ?a ?b WHERE { ?a prov:wasInformedBy ?b }")}
    expected = {(str(iri_by_name[n]), str(iri_by_name[u])) for n, ups in edges.items()
                for u in ups if n in iri_by_name and u in iri_by_name}
    check(informed == expected, f"PROV-O: wasInformedBy edges {sorted(informed)} != DAG {sorted(expected)}")
    for n, ups in edges.items():
        for u in ups:
            upstream = next(x for x in nodes if x["node"] == u)
            for d in upstream.get("datasets", []):
                rows = one(g, "SELECT ?e WHERE { ?a prov:used ?e . ?e kfm:dataset ?n ; kfm:version ?v }",
                           a=iri_by_name[n], n=rdflib.Literal(d["name"]), v=rdflib.Literal(d["version"]))
                check(len(rows) == 1, f"PROV-O: {n} does not use its input {d['name']} {d['version']}")
    return g


REFS = {
    "kfm:energy_ref": "telemetry/energy/kfm-run-{}.json",
    "kfm:carbon_ref": "telemetry/carbon/kfm-run-{}.json",
    "kfm:otel_span_bundle": "telemetry/otel/spans-kfm-run-{}.json",
    "kfm:energy_schema": "schemas/telemetry/energy-v2.json",
    "kfm:carbon_schema": "schemas/telemetry/carbon-v2.json",
}

# STAC 1.0.0 Item core rules (item-spec/json-schema/item.json, restated): a GeoJSON Feature
# with id, stac_version, links, assets, properties.datetime (or start/end_datetime with a
# null datetime), geometry (null: no bbox), string hrefs, and the spec's kfm: properties.
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
STAC_ITEM_SCHEMA = {
    "type": "object",
    "required": ["stac_version", "type", "id", "geometry", "properties", "links", "assets"],
    "properties": {
        "stac_version": {"const": "1.0.0"},
        "stac_extensions": {"type": "array", "uniqueItems": True,
                            "items": {"type": "string", "format": "uri"}},
        "type": {"const": "Feature"},
        "id": {"type": "string", "minLength": 1},
        "geometry": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["type"]}]},
        "bbox": {"type": "array", "minItems": 4},
        "properties": {
            "type": "object",
            "required": ["datetime"] + list(REFS),
            "properties": {
                "datetime": {"oneOf": [{"type": "null"}, {"type": "string", "pattern": RFC3339}]},
                "start_datetime": {"type": "string", "pattern": RFC3339},
                "end_datetime": {"type": "string", "pattern": RFC3339},
            },
            "if": {"properties": {"datetime": {"type": "null"}}},
            "then": {"required": ["start_datetime", "end_datetime"]},
        },
        "links": {"type": "array", "items": {
            "type": "object", "required": ["rel", "href"],
            "properties": {"rel": {"type": "string", "minLength": 1},
                           "href": {"type": "string", "minLength": 1}}}},
        "assets": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["href"],
            "properties": {"href": {"type": "string", "minLength": 1},
                           "roles": {"type": "array", "items": {"type": "string"}}}}},
    },
    "if": {"properties": {"geometry": {"type": "null"}}},
    "then": {"not": {"required": ["bbox"]}},
}


def check_stac(args, energy):
    out = os.path.join(args.work, "stac.json")
    lineage(args, "stac", out)
    collection = json.load(open(out))
    check(collection.get("type") == "FeatureCollection", "STAC: not an ItemCollection")
    items = collection.get("features", [])
    datasets = [(n, d) for n in energy["nodes"] for d in n.get("datasets", [])]
    check(len(items) == len(datasets), f"STAC: {len(items)} items for {len(datasets)} datasets")
    validator = jsonschema.Draft7Validator(STAC_ITEM_SCHEMA, format_checker=jsonschema.FormatChecker())
    by_key = {(d["name"], d["version"]): (n, d) for n, d in datasets}
    for item in items:
        p = item.get("properties", {})
        key = (p.get("kfm:dataset"), p.get("kfm:version"))
        if not check(key in by_key, f"STAC: item {item.get('id')!r} is no reported dataset"):
            continue
        node, d = by_key.pop(key)
        for error in validator.iter_errors(item):
            check(False, f"STAC item {item.get('id')!r}: {error.json_path}: {error.message}")
        for key, pattern in REFS.items():
            check(p.get(key) == pattern.format(args.run_id), f"STAC: {key} = {p.get(key)!r}")
        check(p.get("kfm:node") == node["node"], f"STAC: item {item['id']!r} names another node")
        check(item["assets"]["data"]["href"] == d["uri"], f"STAC: data asset href != {d['uri']!r}")
        check(p["datetime"] == node["end_time"], "STAC: datetime is not the generating node's end")
        safe = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", d["name"]) and \
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", d["version"])
        beside = os.path.join(args.home, "datasets", d["name"], d["version"], item["id"] + ".json")
        if safe:
            if check(os.path.exists(beside), f"STAC: {beside} not written beside the dataset"):
                check(json.load(open(beside)) == item, f"STAC: {beside} differs from the output")
                # Relative hrefs resolve from the item's own place to the run's files.
                for asset in ("energy", "otel_spans", "prov"):
                    href = item["assets"][asset]["href"]
                    target = os.path.normpath(os.path.join(os.path.dirname(beside), href))
                    check(os.path.exists(target), f"STAC: asset {asset} href {href} resolves to "
                          f"missing {target}")
    return items


def check_dcat(args, items):
    ttl, jsonld = os.path.join(args.work, "dcat.ttl"), os.path.join(args.work, "dcat.jsonld")
    lineage(args, "dcat", ttl)
    lineage(args, "dcat-jsonld", jsonld)
    g = parse_both(ttl, jsonld, "DCAT")
    datasets = one(g, "SELECT ?d WHERE { ?d a dcat:Dataset }")
    check(len(datasets) == len(items), f"DCAT: {len(datasets)} datasets for {len(items)} STAC items")
    for item in items:
        p = item["properties"]
        rows = one(g, """SELECT ?dist ?url WHERE { ?d a dcat:Dataset ; dct:identifier ?id ;
            dcat:version ?v ; dcat:distribution ?dist . ?dist a dcat:Distribution ;
            dcat:downloadURL ?url ; kfm:sha256 ?sha }""", id=rdflib.Literal(item["id"]),
                   v=rdflib.Literal(p["kfm:version"]),
                   sha=rdflib.Literal(item["assets"]["data"]["kfm:sha256"]))
        if not check(len(rows) == 1, f"DCAT: no Dataset+Distribution for item {item['id']!r}"):
            continue
        for key in REFS:
            local = key.split(":", 1)[1]
            refs = one(g, f"SELECT ?v WHERE {{ ?dist kfm:{local} ?v }}", dist=rows[0].dist)
            check([str(r.v) for r in refs] == [p[key]],
                  f"DCAT: distribution of {item['id']!r} does not keep {key}")


def check_release(args, energy):
    release = "v-lineage-test"
    path = os.path.join(args.home, "releases", release, "otel-energy-etl-telemetry.json")
    for _ in range(2):  # adding the same run twice keeps one entry
        run = subprocess.run([args.binary, "lineage", args.run_id, "--format", "release-bundle",
                              "--release", release], capture_output=True, text=True)
        check(run.returncode == 0, f"release-bundle exited {run.returncode}: {run.stderr}")
        check(run.stdout.strip() == path, f"release-bundle printed {run.stdout!r}, not {path}")
    doc = json.load(open(path))
    schema = json.load(open(os.path.join(args.source, "schemas/telemetry/telemetry-bundle-v1.json")))
    for error in jsonschema.Draft7Validator(schema).iter_errors(doc):
        check(False, f"release bundle: {error.json_path}: {error.message}")
    check(doc["telemetry_schema"] == "schemas/telemetry/telemetry-bundle-v1.json",
          "release bundle: telemetry_schema")
    mine = [r for r in doc["runs"] if r["run_id"] == args.run_id]
    if not check(len(mine) == 1, f"release bundle: {len(mine)} entries for run {args.run_id}"):
        return
    entry = mine[0]
    check(doc["totals"]["runs"] == len(doc["runs"]), "release bundle: totals.runs")
    check(entry["node_count"] == len(energy["nodes"]), "release bundle: node_count")
    check(close(entry["energy_total_j"], sum(n["total_j"] for n in energy["nodes"])),
          "release bundle: energy_total_j != sum of the nodes' total_j")
    for key, f in entry["files"].items():
        digest = hashlib.sha256(open(os.path.join(args.home, f["path"]), "rb").read()).hexdigest()
        check(digest == f["sha256"], f"release bundle: sha256 of {f['path']} differs")
    validate = subprocess.run([args.binary, "validate", path], capture_output=True, text=True)
    check(validate.returncode == 0, f"kfm-energy validate {path}: {validate.stdout}{validate.stderr}")


def start_stub(args, log, mode):
    stub = subprocess.Popen(["node", os.path.join(os.path.dirname(__file__), "neo4j_stub.mjs"),
                             log, mode], stdout=subprocess.PIPE, text=True)
    line = stub.stdout.readline()
    m = re.match(r"port (\d+)", line)
    if not m:
        stub.kill()
        raise SystemExit(f"neo4j_stub.mjs did not start: {line!r}")
    return stub, int(m.group(1))


def check_push(args):
    """--push to a loopback Neo4j stand-in: parameters, Basic auth, no password shown."""
    user, password = "kfm-writer", "s3cret-Pa55-not-shown"
    env = dict(os.environ, NEO4J_USERNAME=user, NEO4J_PASSWORD=password)
    script = os.path.join(args.work, "push.cypher")
    for mode, want_exit, want_text in (("ok", 0, "committed to"),
                                       ("cypher-error", 1, "Neo.ClientError.Statement.SyntaxError"),
                                       ("unauthorized", 1, "NEO4J_USERNAME")):
        log = os.path.join(args.work, f"neo4j-{mode}.jsonl")
        if os.path.exists(log):
            os.remove(log)
        stub, port = start_stub(args, log, mode)
        try:
            run = subprocess.run([args.binary, "lineage", args.run_id, "--format", "cypher",
                                  "--push", f"http://127.0.0.1:{port}", "--out", script],
                                 capture_output=True, text=True, env=env, timeout=60)
        finally:
            stub.terminate()
            stub.wait()
        shown = run.stdout + run.stderr
        check(run.returncode == want_exit, f"push ({mode}) exited {run.returncode}: {shown}")
        check(want_text in shown, f"push ({mode}) did not say {want_text!r}: {shown}")
        check(password not in shown, f"push ({mode}) printed the password")
        requests = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
        if not check(len(requests) == 1, f"push ({mode}): {len(requests)} requests"):
            continue
        r = requests[0]
        check(r["method"] == "POST" and r["url"] == "/db/neo4j/tx/commit",
              f"push: {r['method']} {r['url']}")
        import base64
        check(r["authorization"] == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
              f"push: Authorization header {r['authorization']!r}")
        statements = r["body"].get("statements", [])
        check(len(statements) > 0, "push: no statements")
        for st in statements:
            for name in re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", st["statement"]):
                check(name in st.get("parameters", {}), f"push: ${name} has no parameter")
            for name, value in st.get("parameters", {}).items():
                if isinstance(value, str) and len(value) >= 3:
                    check(value not in st["statement"], f"push: value of ${name} spliced into text")
    # Nobody listening: a clear error, exit 1.
    stub, port = start_stub(args, os.path.join(args.work, "neo4j-gone.jsonl"), "ok")
    stub.terminate()
    stub.wait()
    run = subprocess.run([args.binary, "lineage", args.run_id, "--format", "cypher", "--push",
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=env,
                         timeout=60)
    check(run.returncode == 1 and "cannot reach Neo4j at http://127.0.0.1:" in run.stderr,
          f"push to a closed port: exit {run.returncode}: {run.stderr}")
    check(password not in run.stdout + run.stderr, "push to a closed port printed the password")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--work", required=True, help="directory for the outputs")
    parser.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    parser.add_argument("--edge", action="append", default=[],
                        help="NODE=UP1,UP2: the DAG edges of the pipeline file")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.environ["KFM_HOME"] = args.home  # every kfm-energy below reads this run's files
    energy = json.load(open(os.path.join(args.home, "telemetry/energy", f"kfm-run-{args.run_id}.json")))
    carbon = json.load(open(os.path.join(args.home, "telemetry/carbon", f"kfm-run-{args.run_id}.json")))
    edges = {}
    for e in args.edge:
        node, ups = e.split("=", 1)
        edges[node] = [u for u in ups.split(",") if u]
    check_prov(args, energy, carbon, edges)
    items = check_stac(args, energy)
    check_dcat(args, items)
    check_release(args, energy)
    check_push(args)
    for failure in FAILURES:
        print("FAIL", failure)
    datasets = sum(len(n.get("datasets", [])) for n in energy["nodes"])
    print(f"checked run {args.run_id}: {len(energy['nodes'])} nodes, {datasets} datasets, "
          f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
