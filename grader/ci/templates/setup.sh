#!/usr/bin/env bash
# Gradescope runs this once, as root and with network, when it builds the autograder image (Ubuntu):
# Python 3.11 or newer, bubblewrap, and a venv holding the grader bundled beside this script.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/nn-grader"
venv="$root/grader-venv"  # outside the grader's folder: the sandbox refuses an environment that contains it

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates python3 python3-venv
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04's python3 is 3.10; its universe has 3.11.
    apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv
    python=python3.11
fi
# The script also lists chromium, which only the grader's own tests need and which may not install
# on Ubuntu (a snap there); grading needs bubblewrap alone.
"$source_dir/scripts/install-system-packages" || apt-get install -y -qq --no-install-recommends bubblewrap

"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
# Editable: the grader finds its reference/ folder beside its package, in the bundled source.
"$venv/bin/pip" install --quiet --disable-pip-version-check -e "$source_dir"
# A broken install fails the image build here, not every submission later.
"$venv/bin/grader" list
