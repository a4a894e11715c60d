# shellcheck shell=bash
# Sourced by the shell tests that run the example pipeline as a user would (tests/guide,
# tests/ci): a scratch copy of the user's checkout, as far as they need it.
#
#   source "$source/tests/support/scratch-checkout.sh"
#   kfm_scratch_checkout NAME BUILD_DIR SOURCE_DIR
#
# Sets `work` to a new directory ${TMPDIR:-/tmp}/kfm-NAME.XXXXXX, removed when the shell
# exits, holding examples/nightly with its HRRR GRIB2 sample generated; puts the built
# kfm-energy and reference jobs first on PATH; exports KFM_HOME=$work/kfm-data; and unsets
# what would send the runs to a collector, a region or a carbon table of the caller's
# environment, or into its run or trace.
kfm_scratch_checkout() {
  local name=$1 build=$2 source=$3
  work=$(mktemp -d "${TMPDIR:-/tmp}/kfm-$name.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/examples"
  cp -r "$source/examples/nightly" "$work/examples/"
  local sample="$work/examples/nightly/data/hrrr/hrrr.t00z.wrfsfcf06.grib2"
  mkdir -p "$(dirname "$sample")"
  "$build/tests/jobs/hrrr_ingest/kfm_make_hrrr_grib" "$sample" --date 20261125 --hour 00 \
    --fcst 06 >/dev/null
  export PATH="$build/src/cli:$build/jobs/hrrr_ingest:$build/jobs/usgs_gauges:$PATH"
  export KFM_HOME="$work/kfm-data"
  unset KFM_RUN_ID OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT KFM_REGION KFM_CARBON_TABLES TRACEPARENT || true
}
