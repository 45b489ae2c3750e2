#!/usr/bin/env bash
# Run the course's test suite in a fresh virtual environment with the LOWEST supported
# TensorFlow/Keras (default tensorflow==2.20.*, keras==3.13.*: what Colab shipped in 2026) and the
# rest of requirements.txt unchanged, so we know the supported range in MAINTAINING.md is true.
#
# Usage:  scripts/test_lowest_versions.sh [VENV_DIR] [pytest args...]
#   VENV_DIR   where to build the venv; "" (or omitted) = a new temp dir, deleted on exit.
#              An existing VENV_DIR is reused (re-running pip there is quick) and kept.
#   pytest args are passed on, e.g. -x, -k 05_, or a subset of paths:
#     scripts/test_lowest_versions.sh "" -m "not slow" tests notebooks/02_recompile_gotcha.ipynb
#   TF_SPEC / KERAS_SPEC override the versions: TF_SPEC='tensorflow==2.21.*' scripts/...
#   PYTHON picks the interpreter the venv is built from, e.g. Colab's: PYTHON=python3.13 scripts/...
# Exit code: pytest's (or pip's, if the install fails).
#
# A reused VENV_DIR skips most of the install (pip finds everything in place); the tests themselves
# take as long as in the pinned environment. .ci/run calls this for Colab's stack.
set -euo pipefail

TF_SPEC="${TF_SPEC:-tensorflow==2.20.*}"
KERAS_SPEC="${KERAS_SPEC:-keras==3.13.*}"
PYTHON="${PYTHON:-python3}"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-}"
if [ "$#" -gt 0 ]; then shift; fi

TEMP_VENV=""
if [ -z "$VENV" ]; then
    VENV="$(mktemp -d "${TMPDIR:-/tmp}/course-lowest.XXXXXX")"
    TEMP_VENV="$VENV"
fi
# requirements.txt minus the TensorFlow/Keras pins, the editable install of the course package
# and comments: everything else is installed exactly as the pinned environment pins it.
REQS="$(mktemp "${TMPDIR:-/tmp}/course-lowest-reqs.XXXXXX")"
cleanup() { rm -f "$REQS"; if [ -n "$TEMP_VENV" ]; then rm -rf "$TEMP_VENV"; fi; }
trap cleanup EXIT
grep -v -E '^[[:space:]]*(#|$)' "$REPO/requirements.txt" \
    | grep -v -i -E '^[[:space:]]*(tensorflow|keras)[[:space:]]*([=<>!~]|$)' \
    | grep -v -E '^[[:space:]]*-e[[:space:]]' > "$REQS"

if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating venv in $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

start=$SECONDS
echo "== installing $TF_SPEC $KERAS_SPEC + requirements.txt (minus tensorflow/keras):"
sed 's/^/     /' "$REQS"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "$TF_SPEC" "$KERAS_SPEC" -r "$REQS"
# The course package with --no-deps: its own dependency list must not upgrade Keras behind our back.
"$PY" -m pip install --quiet --no-deps -e "$REPO"
echo "== install took $((SECONDS - start)) s"
echo "== pip check (a conflict here means a declared lower bound is above what we test):"
"$PY" -m pip check || true

echo "== installed versions:"
"$PY" - <<'EOF'
from importlib.metadata import version
for name in ["tensorflow", "keras", "numpy", "ml_dtypes", "protobuf", "h5py", "nbval", "pytest"]:
    print(f"{name:>12}: {version(name)}")
EOF

echo "== python -m pytest $*"
start=$SECONDS
cd "$REPO"
set +e
# --nbval-current-env: run the notebooks in this venv's Python, not whichever "python3" kernel is installed.
"$PY" -m pytest --nbval-current-env "$@"
status=$?
set -e
echo "== pytest exit code $status after $((SECONDS - start)) s"
exit "$status"
