#!/usr/bin/env bash
# CI's regression gate, in report mode, on the example pipeline (issue 8): six nightly runs of
# examples/nightly/pipeline.yaml into a scratch KFM_HOME, then
#   kfm-energy gate --metric gco2e_per_record --report-only --markdown gate.md
# must exit 0 whatever the figures (shared CI machines are noisy), compare the newest run with
# the five before it (not "too little history"), and write the pull-request summary.
# Usage: gate-report-mode.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
# shellcheck source=tests/support/scratch-checkout.sh
source "$source/tests/support/scratch-checkout.sh"
kfm_scratch_checkout gate "$build" "$source"
cd "$work"
for i in 1 2 3 4 5 6; do
  KFM_RUN_ID="gate-night-$i" kfm-energy pipeline run -q examples/nightly/pipeline.yaml >/dev/null
done

set +e
kfm-energy gate --metric gco2e_per_record --report-only --markdown gate.md > gate.out 2>&1
rc=$?
set -e
cat gate.out
fail() { echo "gate-report-mode: $*" >&2; exit 1; }
[ "$rc" -eq 0 ] || fail "gate --report-only exited $rc, expected 0"
grep -q "gate-night-6" gate.out || fail "the newest run (gate-night-6) is not the one gated"
grep -q "too little history" gate.out && fail "six runs should be history enough (min 5 baseline runs)"
grep -q "5 successful modelled run" gate.out || grep -q "5 successful measured run" gate.out ||
  fail "the baseline should be the five earlier runs"
[ -s gate.md ] || fail "no Markdown summary written"
grep -q "^| run |" gate.md || fail "the Markdown summary has no row for the run"
echo "gate-report-mode: ok"
