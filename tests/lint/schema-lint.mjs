// Schema lint: every JSON Schema under schemas/ compiles in ajv (a second validator, independent
// of the valijson inside kfm-energy) in strict mode, with the draft its "$schema" names; and the
// fixtures under tests/fixtures/schemas/<schema>/{valid,invalid}/ get the same verdict from ajv
// and from `kfm-energy validate --schema <schema>`, the verdict their folder says.
// New schemas are covered as they are added; fixtures are optional per schema.
//
// Usage: node tests/lint/schema-lint.mjs --kfm-energy PATH [--root REPO]
// Exit 0 when all agree, 1 on any failure (each one printed), 2 on bad usage.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

function usage(message) {
  console.error(`schema-lint: ${message}\nusage: node schema-lint.mjs --kfm-energy PATH [--root REPO]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let kfmEnergy = '';
let root = path.resolve(here, '../..');
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--kfm-energy') kfmEnergy = args[++i] ?? '';
  else if (args[i] === '--root') root = path.resolve(args[++i] ?? '');
  else usage(`unknown argument '${args[i]}'`);
}
if (!kfmEnergy) usage('--kfm-energy is required');

let Ajv;
let Ajv2019;
let Ajv2020;
let addFormats;
try {
  Ajv = require('ajv').default;
  Ajv2019 = require('ajv/dist/2019').default;
  Ajv2020 = require('ajv/dist/2020').default;
  addFormats = require('ajv-formats').default;
} catch (e) {
  console.error(`schema-lint: ajv is not installed in ${here}/node_modules (run scripts/bootstrap): ${e.message}`);
  process.exit(1);
}

// The draft a schema declares -> the ajv class that implements it.
const drafts = new Map([
  ['http://json-schema.org/draft-07/schema', { name: 'draft-07', Class: Ajv }],
  ['http://json-schema.org/draft-06/schema', { name: 'draft-06', Class: Ajv }],
  ['https://json-schema.org/draft/2019-09/schema', { name: '2019-09', Class: Ajv2019 }],
  ['https://json-schema.org/draft/2020-12/schema', { name: '2020-12', Class: Ajv2020 }],
]);

const failures = [];
let checks = 0;
function fail(message) {
  failures.push(message);
  console.log(`not ok - ${message}`);
}
function pass(message) {
  ++checks;
  console.log(`ok - ${message}`);
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (entry.endsWith('.json')) out.push(full);
  }
  return out;
}

function ajvErrors(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

// One ajv instance per draft, holding every schema of that draft so that $refs between files
// resolve. Strict mode (unknown keywords, ignored keywords, invalid formats, numbers and tuples
// are errors), except strictTypes and strictRequired, which are reported but do not fail: they
// flag valid draft-07 idioms written on purpose, such as otel-energy-span-v1's notNull
// ({"not": {"type": "null"}, "items": ...} applies to any attribute type) or energy-v2's
// if/then {"required": ["j_per_record"]} whose property is defined elsewhere.
const warnings = [];
const logger = {
  log: (...m) => console.log('#', ...m),
  warn: (...m) => {
    warnings.push(m.join(' '));
    console.log('# warning:', ...m);
  },
  error: (...m) => console.log('# error:', ...m),
};
const instances = new Map();
function instanceFor(draft) {
  if (!instances.has(draft.name)) {
    const ajv = new draft.Class({
      strict: true,
      strictTypes: 'log',
      strictRequired: 'log',
      allErrors: true,
      logger,
    });
    addFormats(ajv);
    instances.set(draft.name, ajv);
  }
  return instances.get(draft.name);
}

// The schemas kfm-energy has built in (validate --list-schemas), by stem.
let embedded = new Set();
try {
  const listed = execFileSync(kfmEnergy, ['validate', '--list-schemas'], { encoding: 'utf8' });
  embedded = new Set(listed.split('\n').filter(Boolean).map((name) => name.replace(/\.json$/, '')));
} catch (e) {
  fail(`${kfmEnergy} validate --list-schemas: ${e.message}`);
}

const schemasDir = path.join(root, 'schemas');
const fixturesDir = path.join(root, 'tests', 'fixtures', 'schemas');
const schemaFiles = walk(schemasDir);
if (schemaFiles.length === 0) fail(`no schema under ${schemasDir}`);

const compiled = new Map();  // stem -> {validate, rel}
const loaded = [];
for (const file of schemaFiles) {
  const rel = path.relative(root, file);
  const stem = path.basename(file, '.json');
  let schema;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${rel}: not JSON: ${e.message}`);
    continue;
  }
  const declared = typeof schema.$schema === 'string' ? schema.$schema.replace(/#$/, '') : '';
  const draft = drafts.get(declared);
  if (!draft) {
    fail(`${rel}: "$schema" ${JSON.stringify(schema.$schema)} is not a draft this lint knows (${[...drafts.keys()].join(', ')})`);
    continue;
  }
  if (compiled.has(stem)) {
    fail(`${rel}: a second schema named ${stem}.json (fixtures are found by file name)`);
    continue;
  }
  try {
    instanceFor(draft).addSchema(schema, schema.$id ?? rel);
    loaded.push({ file, rel, stem, schema, draft });
  } catch (e) {
    fail(`${rel}: ajv (${draft.name}, strict) refuses it: ${e.message}`);
  }
}
for (const { rel, stem, schema, draft } of loaded) {
  try {
    const validate = instanceFor(draft).getSchema(schema.$id ?? rel);
    if (!validate) throw new Error('not compiled');
    compiled.set(stem, { validate, rel });
    pass(`${rel} compiles in ajv (${draft.name}, strict mode)`);
  } catch (e) {
    fail(`${rel}: ajv (${draft.name}, strict) refuses it: ${e.message}`);
  }
}

// Fixtures: tests/fixtures/schemas/<stem>/{valid,invalid}/*.json.
const fixtureDirs = existsSync(fixturesDir) ? readdirSync(fixturesDir).sort() : [];
for (const stem of fixtureDirs) {
  if (!compiled.has(stem)) {
    fail(`tests/fixtures/schemas/${stem}/: no schema ${stem}.json under schemas/`);
  }
}
for (const [stem, { validate, rel }] of compiled) {
  const dir = path.join(fixturesDir, stem);
  if (!existsSync(dir)) {
    console.log(`# ${rel}: no fixtures (tests/fixtures/schemas/${stem}/{valid,invalid}/ would be checked)`);
    continue;
  }
  if (!embedded.has(stem)) {
    fail(`${rel}: has fixtures but kfm-energy does not embed it (validate --list-schemas)`);
    continue;
  }
  for (const expected of ['valid', 'invalid']) {
    const files = walk(path.join(dir, expected));
    if (files.length === 0) fail(`tests/fixtures/schemas/${stem}/${expected}/: no fixture`);
    for (const fixture of files) {
      const frel = path.relative(root, fixture);
      let doc;
      try {
        doc = JSON.parse(readFileSync(fixture, 'utf8'));
      } catch (e) {
        fail(`${frel}: not JSON: ${e.message}`);
        continue;
      }
      const ajvValid = validate(doc);
      const kfm = spawnSync(kfmEnergy, ['validate', '--schema', stem, fixture], { encoding: 'utf8' });
      const kfmVerdict = kfm.status === 0 ? 'valid' : kfm.status === 1 ? 'invalid' : 'error';
      const ajvVerdict = ajvValid ? 'valid' : 'invalid';
      if (kfmVerdict === 'error') {
        fail(`${frel}: kfm-energy validate exited ${kfm.status}: ${kfm.stderr.trim()}`);
      } else if (ajvVerdict !== expected || kfmVerdict !== expected) {
        fail(`${frel}: expected ${expected}; ajv says ${ajvVerdict}` +
             (ajvValid ? '' : ` (${ajvErrors(validate.errors)})`) +
             `, kfm-energy validate says ${kfmVerdict}` +
             (kfmVerdict === 'invalid' ? ` (${kfm.stdout.trim().replaceAll('\n', '; ')})` : ''));
      } else {
        pass(`${frel}: ${expected} in ajv and in kfm-energy validate`);
      }
    }
  }
}

console.log(`# schema-lint: ${compiled.size} schemas, ${checks} checks passed, ${failures.length} failed, ` +
            `${warnings.length} strictTypes/strictRequired warnings`);
process.exit(failures.length === 0 ? 0 : 1);
