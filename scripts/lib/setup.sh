# Shared set-up for scripts/dev, scripts/test and scripts/bench: system packages (when
# asked for) and the Python virtualenv. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

# The packages of the named sections of scripts/lib/debian-packages, as "package [command]"
# lines. The Dockerfile reads the same file with the same awk program.
debian_packages() {
  local section
  for section in "$@"; do
    awk -v section="[$section]" '/^\[/ { on = ($1 == section); next }
      on && NF && $1 !~ /^#/ { print $1, $2 }' "$ROOT/scripts/lib/debian-packages"
  done
}

# Installs the Debian packages of the named sections that are missing: a package counts as
# present when its command is on PATH or dpkg has it installed.
ensure_system_packages() {
  local missing=() pkg cmd
  while read -r pkg cmd; do
    [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1 && continue
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] && continue
    missing+=("$pkg")
  done < <(debian_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Creates the virtualenv and installs a requirements file when it changed since last time.
ensure_venv() {
  local requirements="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtualenv in .venv"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat "$ROOT/requirements.txt" "$ROOT/$requirements" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/$requirements"
    echo "$digest" > "$stamp"
  fi
}

# Installs a folder's npm packages exactly as its package-lock.json pins them (`npm ci`) when
# the lock file changed since last time or node_modules is missing.
ensure_node_packages() {
  local dir="$ROOT/$1"
  local stamp="$dir/node_modules/.installed-package-lock"
  local digest
  digest="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "installing npm packages in $1"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$digest" > "$stamp"
  fi
}

# PostgreSQL's server binaries live outside PATH on Debian.
for dir in /usr/lib/postgresql/*/bin; do
  [ -d "$dir" ] && PATH="$PATH:$dir"
done
export PATH
