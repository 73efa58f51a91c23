#!/usr/bin/env bash
# Everything a fresh machine needs: the Debian packages the tests use, then a virtual
# environment with the pinned Python packages and the project itself (command: newsarchive).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^\s*#' deps/debian-packages.txt | tr -s ' \n' ' ' || true)
missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: the Debian packages$missing are missing; run this script as root (or install them)." >&2
    exit 1
  fi
  echo "setup: installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

# npm: the browser tests' accessibility checks load axe-core (package.json, pinned in
# package-lock.json) into the pages; Node and npm come from Debian where the machine has none.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: npm is missing; run this script as root (or install Debian's nodejs and npm)." >&2
    exit 1
  fi
  echo "setup: installing Debian packages: nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! cmp -s package-lock.json node_modules/.installed-from-lock.json; then
  echo "setup: installing the npm packages of package-lock.json into node_modules"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-from-lock.json
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtual environment in .venv"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt
.venv/bin/python -m pip install -q --no-deps -e .

# pywb, the archive server of the web-archive tests, in an environment of its own (its pins clash
# with the project's); requirements-pywb.txt says why.
if [ ! -x .venv-pywb/bin/python ]; then
  echo "setup: creating the archive server's virtual environment in .venv-pywb"
  "$python" -m venv .venv-pywb
fi
.venv-pywb/bin/python -m pip install -q --upgrade pip
.venv-pywb/bin/python -m pip install -q -r requirements-pywb.txt
echo "setup: done (.venv/bin/newsarchive --help lists the commands)"
