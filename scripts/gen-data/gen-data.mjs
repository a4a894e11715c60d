// Generates kfm-energy's model coefficients and shipped grid intensity tables from the npm packages
// pinned in scripts/gen-data/package.json, so every figure the binary carries can be traced to
// a published source and a version. Run from anywhere after `npm install` in this folder:
//
//   node scripts/gen-data/gen-data.mjs
//
// Writes src/meter/ccf_coefficients.inc and the annual carbon tables data/carbon/*@<version>.*
// (see docs/explanations/model-coefficients.md and docs/explanations/carbon.md). Fails,
// writing nothing, if the installed packages differ from the pins or no longer hold the data
// where this script expects it.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(scriptDir, '..', '..');
const require = createRequire(import.meta.url);

// @cloud-carbon-footprint/core's nested dist/package.json carries a stale "main"; Node warns
// about it on every require. The warning is the package's, not ours.
process.noDeprecation = true;

const CCF_PACKAGE = '@cloud-carbon-footprint/aws';
const CO2JS_PACKAGE = '@tgwf/co2';
const DEFAULT_ZONE = 'US-CENT-SWPP';  // Electricity Maps zone for the Southwest Power Pool

function fail(message) {
  console.error(`gen-data: ${message}`);
  process.exit(1);
}

// The package.json of an installed package, found by walking up from its resolved entry point
// (@tgwf/co2's "exports" map does not expose ./package.json).
function installedPackageJson(name, fromRequire = require) {
  let dir = dirname(fromRequire.resolve(name));
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (json.name === name) return { json, dir };
    } catch {
      // No package.json at this level (or a nested dist/package.json without a name): go up.
    }
    const parent = dirname(dir);
    if (parent === dir) fail(`cannot find package.json for ${name}`);
    dir = parent;
  }
}

function checkPinned(name, installed) {
  const pins = JSON.parse(readFileSync(join(scriptDir, 'package.json'), 'utf8')).dependencies;
  if (pins[name] !== installed) {
    fail(`${name} ${installed} is installed but package.json pins ${pins[name]}; ` +
         'run `npm ci` in scripts/gen-data');
  }
}

// A C++ double literal that round-trips the package's decimal figure (0.000392 * 1000 is
// 0.39200000000000007 in binary; the source meant 0.392).
function cppDouble(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`not a number: ${value}`);
  const text = String(Number(value.toPrecision(12)));
  if (/e/i.test(text)) fail(`unexpected magnitude: ${value}`);
  return text.includes('.') ? text : `${text}.0`;
}

function cppString(text) {
  if (/["\\\n]/.test(text)) fail(`string needs escaping: ${text}`);
  return `"${text}"`;
}

// Files are written only once everything has been generated, so a failure writes nothing.
const outputs = [];
function write(relPath, text) { outputs.push([relPath, text]); }
function writeAll() {
  for (const [relPath, text] of outputs) {
    writeFileSync(join(repoRoot, relPath), text);
    console.log(`wrote ${relPath}`);
  }
}

// --- Cloud Carbon Footprint: AWS CPU and memory coefficients -------------------------------

function ccfCoefficients() {
  const aws = installedPackageJson(CCF_PACKAGE);
  checkPinned(CCF_PACKAGE, aws.json.version);
  // Deep requires of the compiled modules: the package index pulls in the AWS SDK.
  const { AWS_CLOUD_CONSTANTS: constants } =
      require(`${CCF_PACKAGE}/dist/domain/AwsFootprintEstimationConstants.js`);
  const instanceTypes = require(`${CCF_PACKAGE}/dist/lib/AWSInstanceTypes.js`);

  const minByFamily = constants.MIN_WATTS_BY_COMPUTE_PROCESSOR;
  const maxByFamily = constants.MAX_WATTS_BY_COMPUTE_PROCESSOR;
  if (!minByFamily || !maxByFamily) fail('AWS_CLOUD_CONSTANTS lacks *_WATTS_BY_COMPUTE_PROCESSOR');

  // The min/max tables mix CPUs (watts per vCPU) and GPUs (watts per device). CCF's own tables
  // say which is which: a family is a CPU if INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING maps an EC2
  // instance type to it or MEMORY_BY_COMPUTE_PROCESSOR (server CPU platforms only) lists it;
  // Sandy Bridge is only in the latter. GPUs (INSTANCE_TYPE_GPU_PROCESSOR_MAPPING, plus Tesla
  // P4/P100, which no table maps) are left out.
  const cpuFamilies = new Set([
    ...Object.values(instanceTypes.INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING).flat(),
    ...Object.keys(constants.MEMORY_BY_COMPUTE_PROCESSOR ?? {}),
  ]);
  const gpuFamilies =
      new Set(Object.values(instanceTypes.INSTANCE_TYPE_GPU_PROCESSOR_MAPPING).flat());
  for (const family of cpuFamilies) {
    if (gpuFamilies.has(family)) fail(`${family} is listed as both a CPU and a GPU`);
  }
  const families = [];
  const skipped = [];
  for (const family of Object.keys(minByFamily)) {
    if (cpuFamilies.has(family)) {
      if (!(family in maxByFamily)) fail(`no MAX_WATTS for ${family}`);
      families.push({ family, min: minByFamily[family], max: maxByFamily[family] });
    } else {
      skipped.push(family);
    }
  }
  if (families.length === 0) fail('no CPU families found');

  const memoryKwhPerGbHour = constants.MEMORY_COEFFICIENT;
  return {
    version: aws.json.version,
    licence: aws.json.license,
    families,
    skipped,
    minAvg: constants.MIN_WATTS_AVG,
    maxAvg: constants.MAX_WATTS_AVG,
    memoryKwhPerGbHour,
    // kWh per GB-hour to W per GB: 1 kWh/h = 1000 W.
    memoryWattsPerGb: memoryKwhPerGbHour * 1000,
  };
}

function ccfInc(ccf) {
  const rows = ccf.families.map(
      (f) => `    {${cppString(f.family)}, ${cppDouble(f.min)}, ${cppDouble(f.max)}},`);
  return [
    `// Generated by scripts/gen-data/gen-data.mjs from ${CCF_PACKAGE}@${ccf.version}`,
    `// (${ccf.licence}); do not edit.`,
    '// Source: AWS_CLOUD_CONSTANTS in dist/domain/AwsFootprintEstimationConstants.js:',
    '// MIN_/MAX_WATTS_BY_COMPUTE_PROCESSOR (CPU families only; GPU rows left out),',
    '// MIN_/MAX_WATTS_AVG, and MEMORY_COEFFICIENT (kWh per GB-hour, x 1000 for W per GB).',
    '// Included inside namespace kfm::meter after struct CcfCpuCoefficient.',
    '',
    '// Watts per vCPU at idle and at full load, by microarchitecture; one row per family.',
    '// clang-format off',
    'inline constexpr CcfCpuCoefficient kCcfCpuCoefficients[] = {',
    ...rows,
    '};',
    '// clang-format on',
    '',
    '// Used when the CPU family is unknown or has no row above.',
    `inline constexpr double kCcfMinWattsAverage = ${cppDouble(ccf.minAvg)};`,
    `inline constexpr double kCcfMaxWattsAverage = ${cppDouble(ccf.maxAvg)};`,
    '',
    `// MEMORY_COEFFICIENT ${ccf.memoryKwhPerGbHour} kWh/GB-h.`,
    `inline constexpr double kCcfMemoryWattsPerGb = ${cppDouble(ccf.memoryWattsPerGb)};`,
    '',
    'inline constexpr const char kCcfSource[] =',
    `    "${CCF_PACKAGE} ${ccf.version} AWS_CLOUD_CONSTANTS (${ccf.licence})";`,
    '',
  ].join('\n');
}

// --- CO2.js: annual grid intensity tables ------------------------------------------------

// The day the pinned packages were fetched from the npm registry; recorded as each shipped
// table's retrieval date. Change it when the pins change.
const RETRIEVED = '2026-11-25';

function csvNumber(value, where) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${where}: not a non-negative number: ${value}`);
  }
  return String(value);
}

function csvCode(code) {
  if (!/^[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*$/.test(code)) fail(`region code needs quoting: ${code}`);
  return code;
}

function tableFiles(meta, rows) {
  rows.sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) ||
                      a.order - b.order || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const csv = ['region,start,resolution,gco2e_per_kwh',
               ...rows.map((r) => `${csvCode(r.region)},${r.start},${r.resolution},${r.value}`)];
  const stem = `data/carbon/${meta.id}@${meta.version}`;
  write(`${stem}.csv`, csv.join('\n') + '\n');
  write(`${stem}.meta.json`, JSON.stringify(meta, null, 2) + '\n');
  return rows.length;
}

async function co2jsTables() {
  const co2 = installedPackageJson(CO2JS_PACKAGE);
  checkPinned(CO2JS_PACKAGE, co2.json.version);
  const version = co2.json.version;
  // The data licences are only stated in prose; check the prose still says what we cite.
  const readme = readFileSync(join(co2.dir, 'README.md'), 'utf8');
  if (!/republished from Electricity Maps under the \[Open Database License \(ODbL\)\]/.test(
          readme)) {
    fail(`${CO2JS_PACKAGE} README no longer states the Electricity Maps data licence as ODbL`);
  }
  if (!/average carbon intensity data from Ember is published under the Creative Commons ShareAlike Attribution Licence \(\[CC BY-SA 4.0\]/.test(
          readme)) {
    fail(`${CO2JS_PACKAGE} README no longer states the Ember data licence as CC BY-SA 4.0`);
  }

  // Electricity Maps: { yearly2025: { data: { <zone>: { carbonIntensity } }, methodology } }.
  const { default: electricityMaps } = await import(`${CO2JS_PACKAGE}/data/electricity-maps`);
  const years = Object.keys(electricityMaps)
                    .map((key) => /^yearly(\d{4})$/.exec(key))
                    .filter(Boolean)
                    .map((m) => Number(m[1]))
                    .sort((a, b) => a - b);
  if (years.length === 0) fail('no yearlyNNNN datasets in @tgwf/co2/data/electricity-maps');
  const yearly = [];
  const worst = new Map();
  for (const year of years) {
    const { data, methodology } = electricityMaps[`yearly${year}`];
    for (const [zone, entry] of Object.entries(data)) {
      if (entry.carbonIntensity?.unit !== 'gCO2eq/kWh') {
        fail(`unexpected unit for ${zone} ${year}: ${entry.carbonIntensity?.unit}`);
      }
      const value = csvNumber(entry.carbonIntensity.value, `${zone} ${year}`);
      yearly.push({ region: zone, start: `${year}-01-01T00:00:00Z`, resolution: 'year', value,
                    order: year });
      const before = worst.get(zone);
      if (!before || entry.carbonIntensity.value > before.value) {
        worst.set(zone, { value: entry.carbonIntensity.value, year });
      }
    }
    if (!methodology) fail(`yearly${year} has no methodology link`);
  }
  if (!worst.has(DEFAULT_ZONE)) fail(`${DEFAULT_ZONE} is missing from the Electricity Maps data`);
  const emSource = `Electricity Maps annual zone averages ${years[0]}-${years.at(-1)} ` +
                   `(https://www.electricitymaps.com/data/methodology), republished in ` +
                   `${CO2JS_PACKAGE} ${version} (data/electricity-maps/yearly_YYYY), ` +
                   '(c) Electricity Maps';
  const emRows = tableFiles({
    id: 'electricitymaps-yearly',
    version,
    source: emSource,
    licence: 'ODbL-1.0',
    retrieved: RETRIEVED,
    basis: 'average',
    scope: 'lifecycle',
    notes: 'carbonIntensity of each zone for each calendar year, gCO2eq/kWh, lifecycle ' +
           'emission factors, consumption-based as Electricity Maps computes it.',
  }, yearly);
  const worstRows = tableFiles({
    id: 'electricitymaps-worst-case',
    version,
    source: emSource,
    licence: 'ODbL-1.0',
    retrieved: RETRIEVED,
    basis: 'average',
    scope: 'lifecycle',
    notes: `Static worst case per zone: the highest annual average of ${years[0]}-` +
           `${years.at(-1)} in electricitymaps-yearly. Used only when no hourly, daily or ` +
           'annual figure applies (before the first year of data).',
  }, [...worst.entries()].map(([zone, w]) => ({
       region: zone, start: '', resolution: 'static', value: String(w.value), order: 0 })));

  // Ember: { data: { <ISO3 or aggregate>: gCO2e/kWh }, type: 'average' }, each country's
  // latest year with data; CO2.js does not carry the year, so these are static figures.
  const { averageIntensity } = await import(`${CO2JS_PACKAGE}/data`);
  if (averageIntensity?.type !== 'average') fail('averageIntensity.type is not "average"');
  const emberRows = tableFiles({
    id: 'ember-country-latest',
    version,
    source: `Ember Yearly Electricity Data (https://ember-energy.org/data/), latest year per ` +
            `country, republished in ${CO2JS_PACKAGE} ${version} ` +
            '(data/average-intensities.min.js)',
    licence: 'CC-BY-SA-4.0',
    retrieved: RETRIEVED,
    basis: 'average',
    scope: 'lifecycle',
    notes: 'ISO 3166-1 alpha-3 countries and Ember aggregates (EU, WORLD, ...). CO2.js keeps ' +
           'each country\'s latest year with data but not the year itself, so the figures ' +
           'are static: used where no annual zone figure of Electricity Maps applies.',
  }, Object.entries(averageIntensity.data).map(([code, value]) => ({
       region: code, start: '', resolution: 'static', value: csvNumber(value, code), order: 0 })));
  return { version, years, emRows, worstRows, emberRows, spp: worst.get(DEFAULT_ZONE) };
}

const ccf = ccfCoefficients();
write('src/meter/ccf_coefficients.inc', ccfInc(ccf));
console.log(`${CCF_PACKAGE}@${ccf.version}: ${ccf.families.length} CPU families ` +
            `(left out, not CPUs: ${ccf.skipped.join(', ')})`);
const tables = await co2jsTables();
writeAll();
console.log(`${CO2JS_PACKAGE}@${tables.version}: electricitymaps-yearly ${tables.emRows} rows ` +
            `(${tables.years.join(', ')}), electricitymaps-worst-case ${tables.worstRows}, ` +
            `ember-country-latest ${tables.emberRows}; ${DEFAULT_ZONE} worst case ` +
            `${tables.spp.value} g/kWh (${tables.spp.year})`);
