// Generates kfm-energy's model coefficients and static grid intensity from the npm packages
// pinned in scripts/gen-data/package.json, so every figure the binary carries can be traced to
// a published source and a version. Run from anywhere after `npm install` in this folder:
//
//   node scripts/gen-data/gen-data.mjs
//
// Writes src/meter/ccf_coefficients.inc and src/carbon/static_intensity.inc (see
// docs/explanations/model-coefficients.md). Fails, writing nothing, if the installed packages
// differ from the pins or no longer hold the data where this script expects it.

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
const DEFAULT_REGION = 'SPP_KS';
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

function write(relPath, text) {
  writeFileSync(join(repoRoot, relPath), text);
  console.log(`wrote ${relPath}`);
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

// --- CO2.js: Electricity Maps annual zone averages -----------------------------------------

async function staticIntensity() {
  const co2 = installedPackageJson(CO2JS_PACKAGE);
  checkPinned(CO2JS_PACKAGE, co2.json.version);
  // The package's data export: { yearly2025: { data: { <zone>: { carbonIntensity } } }, ... }.
  const { default: electricityMaps } = await import(`${CO2JS_PACKAGE}/data/electricity-maps`);
  const years = Object.keys(electricityMaps)
                    .map((key) => /^yearly(\d{4})$/.exec(key))
                    .filter(Boolean)
                    .map((m) => Number(m[1]))
                    .sort((a, b) => b - a);
  if (years.length === 0) fail('no yearlyNNNN datasets in @tgwf/co2/data/electricity-maps');
  const year = years[0];
  const entry = electricityMaps[`yearly${year}`].data[DEFAULT_ZONE];
  if (!entry) {
    fail(`${DEFAULT_ZONE} is missing from Electricity Maps ${year} in ${CO2JS_PACKAGE}; ` +
         'pick another zone and update the docs');
  }
  if (entry.carbonIntensity?.unit !== 'gCO2eq/kWh') {
    fail(`unexpected unit for ${DEFAULT_ZONE}: ${entry.carbonIntensity?.unit}`);
  }
  // The data licence is only stated in prose; check the prose still says what we cite.
  const readme = readFileSync(join(co2.dir, 'README.md'), 'utf8');
  if (!/republished from Electricity Maps under the \[Open Database License \(ODbL\)\]/.test(
          readme)) {
    fail(`${CO2JS_PACKAGE} README no longer states the Electricity Maps data licence as ODbL`);
  }
  return {
    version: co2.json.version,
    licence: co2.json.license,
    year,
    years,
    zone: DEFAULT_ZONE,
    zoneName: entry.zone?.zoneName,
    gco2PerKwh: entry.carbonIntensity.value,
  };
}

function intensityInc(si) {
  const dataset = 'Electricity Maps annual zone averages';
  return [
    `// Generated by scripts/gen-data/gen-data.mjs from ${CO2JS_PACKAGE}@${si.version}`,
    `// (${si.licence}; data ODbL); do not edit.`,
    `// Source: ${CO2JS_PACKAGE}/data/electricity-maps, yearly${si.year}.data["${si.zone}"]` +
        '.carbonIntensity',
    `// (${si.zoneName}, gCO2eq/kWh). Data (c) Electricity Maps, Open Database License (ODbL).`,
    '// Included inside namespace kfm::carbon after struct StaticIntensity.',
    '',
    'inline constexpr StaticIntensity kStaticIntensities[] = {',
    `    {${cppString(DEFAULT_REGION)}, ${cppString(si.zone)}, ${si.year}, ` +
        `${cppDouble(si.gco2PerKwh)}},`,
    '};',
    '',
    'inline constexpr const char kStaticIntensitySource[] =',
    `    "${CO2JS_PACKAGE} ${si.version}: ${dataset}, ${si.year} (ODbL)";`,
    'inline constexpr const char kStaticIntensityTableId[] = "co2js-annual";',
    `inline constexpr const char kStaticIntensityTableVersion[] = "${si.version}";`,
    '',
  ].join('\n');
}

const ccf = ccfCoefficients();
const si = await staticIntensity();
write('src/meter/ccf_coefficients.inc', ccfInc(ccf));
write('src/carbon/static_intensity.inc', intensityInc(si));
console.log(`${CCF_PACKAGE}@${ccf.version}: ${ccf.families.length} CPU families ` +
            `(left out, not CPUs: ${ccf.skipped.join(', ')})`);
console.log(`${CO2JS_PACKAGE}@${si.version}: ${si.zone} ${si.year} = ${si.gco2PerKwh} gCO2eq/kWh ` +
            `(years present: ${si.years.join(', ')})`);
