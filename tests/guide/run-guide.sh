#!/usr/bin/env bash
# Runs every command of a guide: each ```sh block of the Markdown file, in order, in one bash
# session started in a scratch copy of the examples, with the built binaries on PATH and
# KFM_HOME in the scratch directory. A block fails the test when any command in it fails,
# except blocks whose first line is `# expect-exit N` (the guide shows a failing gate, say).
# Usage: run-guide.sh GUIDE.md BUILD_DIR SOURCE_DIR
set -euo pipefail
guide=$1 build=$(cd "$2" && pwd) source=$(cd "$3" && pwd)
# The user's checkout, as far as the guide needs it: the example pipeline and its inputs.
# shellcheck source=tests/support/scratch-checkout.sh
source "$source/tests/support/scratch-checkout.sh"
kfm_scratch_checkout guide "$build" "$source"

# Extract the blocks: one file per block, numbered, with the guide's line number.
# Fences may be indented (a block inside a list item); the indent is removed.
awk -v dir="$work/blocks" 'BEGIN { system("mkdir -p " dir); n = 0 }
  /^[[:space:]]*```sh[[:space:]]*$/ {
    n++; file = sprintf("%s/%03d-line%d.sh", dir, n, NR + 1); inblock = 1
    match($0, /^[[:space:]]*/); indent = RLENGTH; next
  }
  /^[[:space:]]*```/ && inblock { inblock = 0; close(file); next }
  inblock { print substr($0, indent + 1) > file }' "$guide"

count=0
cd "$work"
: > "$work/state"
for block in "$work"/blocks/*.sh; do
  [ -e "$block" ] || { echo "run-guide: no \`\`\`sh blocks in $guide" >&2; exit 1; }
  count=$((count + 1))
  expect=0
  if read -r first < "$block" && [[ $first =~ ^#\ expect-exit\ ([0-9]+) ]]; then
    expect=${BASH_REMATCH[1]}
  fi
  name=$(basename "$block" .sh)
  echo "== $guide block $name"
  sed 's/^/   | /' "$block"
  set +e
  # One shell session as a reader would have: exported variables carry from block to block.
  bash -c 'set -euo pipefail; source "$1"; source "$2"; export -p > "$1.next"' _ \
    "$work/state" "$block" > "$work/out" 2>&1
  rc=$?
  [ -f "$work/state.next" ] && mv "$work/state.next" "$work/state"
  set -e
  # awk reads all of it: `head` would close the pipe early and, under pipefail, fail the test.
  awk 'NR <= 60 { print "   > " $0 }' "$work/out"
  if [ "$rc" -ne "$expect" ]; then
    echo "run-guide: block at ${name#*-line} of $guide exited $rc, expected $expect" >&2
    exit 1
  fi
done
echo "run-guide: $count blocks of $guide ran as shown"
