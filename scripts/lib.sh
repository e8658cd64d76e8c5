# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/demo. Source it; do not run it.
#
# Everything here is idempotent: each ensure_* function checks first and only installs or starts
# what is missing, so a second run on a prepared machine costs a few seconds.

# Repository root (this file lives in scripts/).
CP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CP_ROOT

# Version lines of the two test environments. Changing a line here (or pyproject.toml)
# changes the stamp, so the next run reinstalls that environment.
# Wagtail 8.0.1 declares Django >=5.2 and classifies Django 5.2, 6.0 and 6.1; pyproject allows <6.2.
CP_MAIN_VENV="${CP_ROOT}/.venv"
CP_MAIN_PY="3.11"
CP_MAIN_CONSTRAINTS=("django>=5.2,<5.3" "wagtail>=8.0,<9")
CP_DJ6_VENV="${CP_ROOT}/.venv-dj6"
CP_DJ6_PY="3.12"
CP_DJ6_CONSTRAINTS=("django>=6.1,<6.2" "wagtail>=8.0,<9")
# Bump when install_venv's own logic changes, to force a reinstall everywhere.
CP_INSTALL_LOGIC_VERSION="1"

# Playwright drives Debian's chromium; it must never download its own browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CROSSPOST_CHROMIUM="${CROSSPOST_CHROMIUM:-/usr/bin/chromium}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [[ -t 1 ]]; then
    _cp_bold=$'\e[1m'; _cp_red=$'\e[31m'; _cp_yellow=$'\e[33m'; _cp_green=$'\e[32m'; _cp_off=$'\e[0m'
else
    _cp_bold=""; _cp_red=""; _cp_yellow=""; _cp_green=""; _cp_off=""
fi

cp_log()  { printf '%s==> %s%s\n' "$_cp_bold" "$*" "$_cp_off"; }
cp_info() { printf '    %s\n' "$*"; }
cp_warn() { printf '%sWARNING: %s%s\n' "$_cp_yellow" "$*" "$_cp_off" >&2; }
cp_err()  { printf '%sERROR: %s%s\n' "$_cp_red" "$*" "$_cp_off" >&2; }
cp_ok()   { printf '%s%s%s\n' "$_cp_green" "$*" "$_cp_off"; }
cp_die()  { cp_err "$*"; exit 1; }

# Seconds since the epoch, for timings.
cp_now() { date +%s; }

# ---------------------------------------------------------------------------------------------
# Python interpreters
# ---------------------------------------------------------------------------------------------

# cp_find_python MAJOR.MINOR -> prints the path of a matching interpreter, or nothing.
# Looks in pyenv's versions first (exact minor, newest patch), then on PATH.
cp_find_python() {
    local want="$1" root="" cand
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root 2>/dev/null || true)"
    fi
    [[ -n "$root" ]] || root="${PYENV_ROOT:-$HOME/.pyenv}"
    if [[ -d "$root/versions" ]]; then
        # newest patch release first; skip -dev, t (free-threaded) and other odd builds
        while IFS= read -r cand; do
            if [[ -x "$root/versions/$cand/bin/python$want" ]]; then
                echo "$root/versions/$cand/bin/python$want"
                return 0
            fi
        done < <(find "$root/versions" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null \
                 | grep -E "^${want//./\\.}\.[0-9]+$" | sort -t. -k3,3nr)
    fi
    for cand in "python$want" python3; do
        if command -v "$cand" >/dev/null 2>&1 \
            && [[ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "$want" ]]; then
            # resolve pyenv shims to the real interpreter so the venv does not depend on the shim
            "$cand" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

# cp_find_python_at_least MAJOR.MINOR -> the preferred MAJOR.MINOR, else the lowest newer 3.x found.
cp_find_python_at_least() {
    local want="$1" minor="${1#3.}" m
    cp_find_python "$want" && return 0
    for m in $(seq $((minor + 1)) 20); do
        cp_find_python "3.$m" && return 0
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# Virtual environments
# ---------------------------------------------------------------------------------------------

# Runs pip with this machine's noise ("Location 'file://...' is ignored") filtered out,
# keeping pip's own exit status.
cp_pip() {
    local py="$1"; shift
    local rc
    set +e
    "$py" -m pip "$@" 2>&1 | grep -v "^WARNING: Location 'file://"
    rc="${PIPESTATUS[0]}"
    set -e
    return "$rc"
}

# cp_install_venv VENV_DIR PYTHON_BIN CONSTRAINT...
# Creates VENV_DIR with PYTHON_BIN if missing (or of the wrong Python), then installs
# `-e .[dev,docs]` plus the constraint lines, unless the stamp (pyproject.toml + constraints +
# python version) is unchanged. Newest matching Django/Wagtail are taken (--upgrade on the named
# requirements, dependencies only if needed).
cp_install_venv() {
    local venv="$1" python="$2"; shift 2
    local constraints=("$@")
    local want_ver have_ver stamp_file new_stamp t0
    want_ver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    stamp_file="$venv/.crosspost-install-stamp"
    t0="$(cp_now)"

    if [[ -x "$venv/bin/python" ]]; then
        have_ver="$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo broken)"
        if [[ "$have_ver" != "$want_ver" ]]; then
            cp_warn "$venv has Python $have_ver, want $want_ver: recreating it"
            rm -rf -- "$venv"
        fi
    elif [[ -e "$venv" ]]; then
        cp_warn "$venv exists but has no bin/python: recreating it"
        rm -rf -- "$venv"
    fi

    new_stamp="$( {
        cat "$CP_ROOT/pyproject.toml"
        printf '%s\n' "python=$want_ver" "logic=$CP_INSTALL_LOGIC_VERSION" "${constraints[@]}"
    } | sha256sum | cut -d' ' -f1)"

    if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$new_stamp" ]] \
        && "$venv/bin/python" -c 'import wagtail_crosspost, django, wagtail' >/dev/null 2>&1; then
        cp_info "$(basename "$venv"): up to date ($("$venv/bin/python" -c 'import django, wagtail; print("Django", django.get_version(), "/ Wagtail", wagtail.__version__)'))"
        return 0
    fi

    if [[ ! -x "$venv/bin/python" ]]; then
        cp_info "creating $(basename "$venv") with $python"
        "$python" -m venv "$venv"
        cp_pip "$venv/bin/python" install -q --upgrade pip
    fi
    cp_info "installing -e .[dev,docs] ${constraints[*]} into $(basename "$venv")"
    rm -f -- "$stamp_file"
    (cd "$CP_ROOT" && cp_pip "$venv/bin/python" install -q --upgrade --upgrade-strategy only-if-needed \
        -e '.[dev,docs,queues]' "${constraints[@]}")
    "$venv/bin/python" -c 'import wagtail_crosspost, django, wagtail' \
        || cp_die "$(basename "$venv"): install finished but wagtail_crosspost/django/wagtail do not import"
    echo "$new_stamp" > "$stamp_file"
    cp_info "$(basename "$venv"): installed $("$venv/bin/python" -c 'import django, wagtail; print("Django", django.get_version(), "/ Wagtail", wagtail.__version__)') in $(( $(cp_now) - t0 ))s"
}

# The main development environment: Python 3.11, Django 5.2.x, newest Wagtail 8.
cp_ensure_main_venv() {
    local py
    py="$(cp_find_python "$CP_MAIN_PY")" \
        || py="$(cp_find_python_at_least "$CP_MAIN_PY")" \
        || cp_die "no Python >= $CP_MAIN_PY found (looked in \$(pyenv root)/versions and on PATH)"
    cp_install_venv "$CP_MAIN_VENV" "$py" "${CP_MAIN_CONSTRAINTS[@]}"
}

# The Django 6 environment: Python 3.12 (or newer), Django 6.1.x, newest Wagtail 8.
# Returns 1 (with a warning) when no such Python exists.
cp_ensure_dj6_venv() {
    local py
    if ! py="$(cp_find_python_at_least "$CP_DJ6_PY")"; then
        cp_warn "no Python >= $CP_DJ6_PY found (pyenv root or PATH): skipping the Django 6 environment"
        return 1
    fi
    cp_install_venv "$CP_DJ6_VENV" "$py" "${CP_DJ6_CONSTRAINTS[@]}"
}

# The example third-party adapter packages in examples/, installed editable into VENV (without
# dependencies: wagtail-crosspost itself is already installed there from the checkout).
cp_ensure_examples() {
    local venv="$1" dir
    for dir in "$CP_ROOT"/examples/*/; do
        [[ -f "$dir/pyproject.toml" ]] || continue
        cp_pip "$venv/bin/python" install -q --no-deps -e "$dir"
        cp_info "installed ${dir#"$CP_ROOT"/} into $(basename "$venv")"
    done
}

# "Django 5.2.19 / Wagtail 8.0.1 / Python 3.11.7" for a venv.
cp_venv_versions() {
    "$1/bin/python" -c 'import sys, django, wagtail; print("Python %d.%d.%d, Django %s, Wagtail %s" % (sys.version_info[:3] + (django.get_version(), wagtail.__version__)))' 2>/dev/null \
        || echo "versions unknown"
}

# ---------------------------------------------------------------------------------------------
# System packages (Debian)
# ---------------------------------------------------------------------------------------------

_cp_apt_updated=""
# cp_ensure_apt CHECK_PATH PACKAGE [CHECK_PATH PACKAGE ...]: installs each PACKAGE whose
# CHECK_PATH (a file, or a command name) is missing. apt-get update runs at most once.
cp_ensure_apt() {
    local missing=() check pkg sudo=""
    while (($#)); do
        check="$1"; pkg="$2"; shift 2
        if [[ "$check" == /* ]]; then
            [[ -e "$check" ]] || missing+=("$pkg")
        else
            command -v "$check" >/dev/null 2>&1 || missing+=("$pkg")
        fi
    done
    ((${#missing[@]})) || { cp_info "system packages present"; return 0; }
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo="sudo -n"
        else
            cp_err "missing Debian packages: ${missing[*]} (not root, no passwordless sudo)"
            cp_err "install them with: sudo apt-get install ${missing[*]}"
            return 1
        fi
    fi
    local t0; t0="$(cp_now)"
    cp_info "installing Debian packages: ${missing[*]}"
    if [[ -z "$_cp_apt_updated" ]]; then
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        _cp_apt_updated=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    cp_info "installed ${missing[*]} in $(( $(cp_now) - t0 ))s"
}

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

CP_PG_HOST="127.0.0.1"
CP_PG_PORT="5432"
CP_PG_USER="postgres"
CP_PG_DB="crosspost_test"
CP_PG_URL="postgres://${CP_PG_USER}@${CP_PG_HOST}:${CP_PG_PORT}/${CP_PG_DB}"

cp_ensure_postgres() {
    if ! pg_isready -q -h "$CP_PG_HOST" -p "$CP_PG_PORT" 2>/dev/null; then
        command -v pg_ctlcluster >/dev/null 2>&1 || { cp_err "PostgreSQL is not running and pg_ctlcluster is missing"; return 1; }
        local ver
        ver="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)"
        [[ -n "$ver" ]] || { cp_err "PostgreSQL is not running and no cluster exists in /etc/postgresql"; return 1; }
        cp_info "starting PostgreSQL $ver"
        pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
        for _ in $(seq 1 30); do
            pg_isready -q -h "$CP_PG_HOST" -p "$CP_PG_PORT" && break
            sleep 1
        done
        pg_isready -q -h "$CP_PG_HOST" -p "$CP_PG_PORT" \
            || { cp_err "PostgreSQL did not come up on $CP_PG_HOST:$CP_PG_PORT"; return 1; }
    fi
    # Trust auth: the role exists on Debian; create the database (pytest-django creates
    # test_<name> from it) if it is missing.
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$CP_PG_HOST" -p "$CP_PG_PORT" -U "$CP_PG_USER" -d postgres)
    "${psql[@]}" -tAc 'select 1' >/dev/null \
        || { cp_err "cannot connect to PostgreSQL as $CP_PG_USER (trust auth expected)"; return 1; }
    if [[ "$("${psql[@]}" -tAc "select 1 from pg_database where datname = '$CP_PG_DB'")" != 1 ]]; then
        "${psql[@]}" -c "create database \"$CP_PG_DB\"" \
            || { cp_err "could not create database $CP_PG_DB"; return 1; }
    fi
    cp_info "PostgreSQL ready ($CP_PG_URL)"
}

cp_ensure_redis() {
    if [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" != PONG ]]; then
        command -v redis-server >/dev/null 2>&1 || { cp_err "Redis is not running and redis-server is missing"; return 1; }
        cp_info "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
        for _ in $(seq 1 20); do
            [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]] && break
            sleep 0.5
        done
        [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]] \
            || { cp_err "Redis did not come up on 127.0.0.1:6379"; return 1; }
    fi
    cp_info "Redis ready (redis://127.0.0.1:6379)"
}

# ---------------------------------------------------------------------------------------------
# Node.js dependencies of test servers (e.g. the Bluesky PDS)
# ---------------------------------------------------------------------------------------------

_cp_node_hash() {
    local f
    for f in "$1/package.json" "$1/package-lock.json"; do
        if [[ -f "$f" ]]; then cat "$f"; fi
    done | sha256sum | cut -d' ' -f1
}

# cp_ensure_node_deps DIR: npm ci (or npm install without a lock) when node_modules is missing
# or older than package.json / package-lock.json. For tests/servers/bluesky it hands over to
# scripts/install-node-deps when that exists (it builds the native better-sqlite3 module offline).
cp_ensure_node_deps() {
    local dir="$1" stamp new t0
    [[ -f "$dir/package.json" ]] || return 0
    if [[ "$dir" == "$CP_ROOT/tests/servers/bluesky" && -f "$CP_ROOT/scripts/install-node-deps" ]]; then
        bash "$CP_ROOT/scripts/install-node-deps"
        return
    fi
    command -v npm >/dev/null 2>&1 || { cp_err "$dir needs npm, which is not installed"; return 1; }
    stamp="$dir/node_modules/.crosspost-stamp"
    new="$(_cp_node_hash "$dir")"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$new" ]]; then
        cp_info "node_modules up to date in ${dir#"$CP_ROOT"/}"
        return 0
    fi
    t0="$(cp_now)"
    if [[ -f "$dir/package-lock.json" ]]; then
        cp_info "npm ci in ${dir#"$CP_ROOT"/}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
        cp_info "npm install in ${dir#"$CP_ROOT"/} (no package-lock.json)"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
    fi
    # package-lock.json may have been written by npm install: stamp what is there now
    _cp_node_hash "$dir" > "$stamp"
    cp_info "node deps installed in $(( $(cp_now) - t0 ))s"
}

# ---------------------------------------------------------------------------------------------
# Translations
# ---------------------------------------------------------------------------------------------

# Compiles wagtail_crosspost's .po files (fails on any msgfmt error). Needs gettext.
cp_compile_package_messages() {
    local python="$1"
    [[ -d "$CP_ROOT/wagtail_crosspost/locale" ]] || return 0
    command -v msgfmt >/dev/null 2>&1 || { cp_err "msgfmt (Debian package gettext) is missing"; return 1; }
    (cd "$CP_ROOT/wagtail_crosspost" && env -u DJANGO_SETTINGS_MODULE \
        "$python" -m django compilemessages --verbosity 1)
}
