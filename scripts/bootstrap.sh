#!/usr/bin/env bash
# Installs Gatehouse's developer tools into the work tree; `make test` calls it first.
#
#   .tools/venv/          moto[server] (moto_server), cfn-lint, aws-sam-cli (sam), cargo-lambda
#   .tools/checkov-venv/  checkov (its boto3==1.35.49 pin conflicts with aws-sam-cli's
#                         boto3[crt]==1.43.x); symlinked as .tools/venv/bin/checkov
#   node_modules/         asl-validator 4 (npm ci from package-lock.json)
#
# Pins: scripts/requirements-tools.txt, package.json + package-lock.json.
# Idempotent: a stamp (.tools/bootstrap.stamp) holds the SHA-256 of the pins, this
# script and the Python version; when it matches and every tool is present it exits at
# once. GATEHOUSE_BOOTSTRAP_FORCE=1 reinstalls anyway. PYTHON picks the interpreter
# (default python3, needs >= 3.9). Any failure stops it with "bootstrap FAILED".
#
# Measured on the 2-core dev machine (Python 3.11, npm 11), `time scripts/bootstrap.sh`:
#   cold, no .tools/ or node_modules/, empty pip and npm caches:  1m44s
#   no .tools/ or node_modules/, warm pip cache:                  ~2m (unpacking and
#                                                                 byte-compiling dominate)
#   pins changed, venvs present (pip finds most already there):  20-30s
#   nothing to do (stamp matches):                                ~0.5s
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
CHECKOV_VENV="$TOOLS/checkov-venv"
REQS="$ROOT/scripts/requirements-tools.txt"
STAMP="$TOOLS/bootstrap.stamp"
PYTHON="${PYTHON:-python3}"

log() { printf '==> bootstrap: %s\n' "$*" >&2; }
die() { printf '\n!!! bootstrap FAILED: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "\n!!! bootstrap FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=/path/to/python3.9+)"
command -v npm >/dev/null || die "npm not found (install Node.js >= 18 and npm)"
[ -f "$REQS" ] || die "missing $REQS"
[ -f "$ROOT/package.json" ] || die "missing $ROOT/package.json"

PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  die "$PYTHON is $PY_VERSION; aws-sam-cli and moto need Python >= 3.9"

mkdir -p "$TOOLS"

# One bootstrap at a time (parallel `make` runs share .tools/).
if command -v flock >/dev/null; then
  exec 9>"$TOOLS/bootstrap.lock"
  flock 9
fi

key() {
  {
    cat "$REQS" "$ROOT/package.json"
    [ -f "$ROOT/package-lock.json" ] && cat "$ROOT/package-lock.json"
    cat "${BASH_SOURCE[0]}"
    echo "python $PY_VERSION"
  } | sha256sum | cut -d' ' -f1
}
KEY="$(key)"

TOOLS_EXPECTED=(
  "$VENV/bin/moto_server"
  "$VENV/bin/cfn-lint"
  "$VENV/bin/sam"
  "$VENV/bin/cargo-lambda"
  "$VENV/bin/checkov"
  "$ROOT/node_modules/.bin/asl-validator"
)
all_present() {
  local t
  for t in "${TOOLS_EXPECTED[@]}"; do [ -x "$t" ] || return 1; done
}

# A clean `make test` writes about 8 GB (6 GB of it the Rust target/, README): say so at
# the start when the disk has less, rather than leave a build to stop half-way with
# "No space left on device" (a CI run did, 2026-12-06). A warning, not a failure: a
# checkout whose target/ is already built needs far less.
avail_kb="$(df -Pk "$ROOT" 2>/dev/null | awk 'NR == 2 { print $4 }')"
if [ -n "$avail_kb" ] && [ "$avail_kb" -lt $((8 * 1024 * 1024)) ]; then
  log "WARNING: $((avail_kb / 1024)) MB free on $ROOT; a clean make test needs about 8 GB"
fi

if [ "${GATEHOUSE_BOOTSTRAP_FORCE:-0}" != 1 ] && [ -f "$STAMP" ] &&
  [ "$(cat "$STAMP")" = "$KEY" ] && all_present; then
  log "tools up to date (stamp ${KEY:0:12}), nothing to do"
  exit 0
fi
rm -f "$STAMP"
START=$SECONDS

# venv_ok DIR: the venv exists and its interpreter still runs (a moved or upgraded
# system Python leaves a broken venv behind, which we recreate).
venv_ok() { [ -x "$1/bin/python" ] && "$1/bin/python" -c 'import sys' 2>/dev/null; }
make_venv() {
  if venv_ok "$1"; then
    log "reusing venv $1"
  else
    log "creating venv $1 with $PYTHON ($PY_VERSION)"
    rm -rf "$1"
    "$PYTHON" -m venv "$1" || die "python -m venv failed (on Debian: apt-get install python3-venv)"
  fi
}
PIP_FLAGS=(--disable-pip-version-check --no-input --progress-bar off)

make_venv "$VENV"
MAIN_REQS="$TOOLS/requirements-main.txt"
grep -v 'venv: checkov' "$REQS" >"$MAIN_REQS"
log "pip install into .tools/venv: $(grep -Ev '^\s*(#|$)' "$MAIN_REQS" | tr '\n' ' ')"
"$VENV/bin/pip" install "${PIP_FLAGS[@]}" -r "$MAIN_REQS" ||
  die "pip install into $VENV failed (see the resolver output above)"

make_venv "$CHECKOV_VENV"
CHECKOV_REQS="$TOOLS/requirements-checkov.txt"
grep 'venv: checkov' "$REQS" >"$CHECKOV_REQS"
log "pip install into .tools/checkov-venv: $(sed 's/#.*//' "$CHECKOV_REQS" | tr '\n' ' ')"
"$CHECKOV_VENV/bin/pip" install "${PIP_FLAGS[@]}" -r "$CHECKOV_REQS" ||
  die "pip install into $CHECKOV_VENV failed"
ln -sfn "$CHECKOV_VENV/bin/checkov" "$VENV/bin/checkov"

for v in "$VENV" "$CHECKOV_VENV"; do
  log "pip check in $v"
  "$v/bin/pip" check --disable-pip-version-check || die "dependency conflict in $v (pip check above)"
done

cd "$ROOT"
if [ -f package-lock.json ]; then
  log "npm ci (node_modules from package-lock.json)"
  npm ci --no-audit --no-fund || die "npm ci failed"
else
  log "npm install (no package-lock.json yet: creating it; commit it)"
  npm install --no-audit --no-fund || die "npm install failed"
fi

log "smoke-testing the installed tools"
for t in "${TOOLS_EXPECTED[@]}"; do [ -x "$t" ] || die "expected tool missing after install: $t"; done
"$VENV/bin/python" -c 'import moto, moto.server, moto.stepfunctions.parser.api' ||
  die "moto server or its Step Functions parser does not import"
printf '    moto %s, ' "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)')" >&2
printf 'cfn-lint %s, ' "$("$VENV/bin/cfn-lint" --version | awk '{print $2}')" >&2
printf '%s, ' "$("$VENV/bin/sam" --version)" >&2
printf '%s, ' "$("$VENV/bin/cargo-lambda" lambda --version)" >&2
printf 'checkov %s, ' "$("$VENV/bin/checkov" --version)" >&2
printf 'asl-validator %s\n' "$("$ROOT/node_modules/.bin/asl-validator" --version)" >&2

echo "$KEY" >"$STAMP"
log "done in $((SECONDS - START))s (stamp ${KEY:0:12})"
