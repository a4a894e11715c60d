// node:test self-test of schema-lint.mjs: it passes on the repository and fails on a schema
// ajv refuses in strict mode, on a fixture whose verdict is not its folder's, and on fixtures
// of a schema that does not exist. KFM_ENERGY names the kfm-energy binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const kfmEnergy = process.env.KFM_ENERGY;
const lint = path.join(here, 'schema-lint.mjs');

function runLint(root) {
  return spawnSync(process.execPath, [lint, '--kfm-energy', kfmEnergy, '--root', root], { encoding: 'utf8' });
}

// A copy of the repository's schemas and fixtures in a temporary root.
function copyRoot() {
  const root = mkdtempSync(path.join(tmpdir(), 'schema-lint-'));
  cpSync(path.join(repo, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  cpSync(path.join(repo, 'tests/fixtures/schemas'), path.join(root, 'tests/fixtures/schemas'), { recursive: true });
  return root;
}

test('KFM_ENERGY is set', () => assert.ok(kfmEnergy, 'set KFM_ENERGY to the kfm-energy binary'));

test('the repository passes', () => {
  const r = runLint(repo);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 failed/);
});

test('a schema with an unknown keyword fails in strict mode', () => {
  const root = copyRoot();
  try {
    mkdirSync(path.join(root, 'schemas/other'), { recursive: true });
    writeFileSync(path.join(root, 'schemas/other/typo-v1.json'), JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://kfm.example/schemas/other/typo-v1.json',
      type: 'object',
      requird: ['x'],
    }));
    const r = runLint(root);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok - schemas\/other\/typo-v1\.json: ajv \(2020-12, strict\) refuses it: .*requird/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unknown draft fails', () => {
  const root = copyRoot();
  try {
    writeFileSync(path.join(root, 'schemas/old-v1.json'), JSON.stringify({
      $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }));
    const r = runLint(root);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok - schemas\/old-v1\.json: "\$schema" .*draft-04/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a fixture in valid/ that does not conform fails, with both verdicts', () => {
  const root = copyRoot();
  try {
    const dir = path.join(root, 'tests/fixtures/schemas/energy-v2');
    const doc = JSON.parse(readFileSync(path.join(dir, 'valid/one-node.json'), 'utf8'));
    doc.nodes[0].cpu.attributed_j = -1;
    writeFileSync(path.join(dir, 'valid/negative.json'), JSON.stringify(doc));
    const r = runLint(root);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok - tests\/fixtures\/schemas\/energy-v2\/valid\/negative\.json: expected valid; ajv says invalid .*kfm-energy validate says invalid/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fixtures of a schema that does not exist fail', () => {
  const root = copyRoot();
  try {
    mkdirSync(path.join(root, 'tests/fixtures/schemas/gone-v9/valid'), { recursive: true });
    writeFileSync(path.join(root, 'tests/fixtures/schemas/gone-v9/valid/a.json'), '{}');
    const r = runLint(root);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok - tests\/fixtures\/schemas\/gone-v9\/: no schema gone-v9\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
