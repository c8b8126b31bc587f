# Sourced by scripts/install and scripts/test: make the project's virtualenv (.venv) and
# install one lock file into it, exactly (every file checked against its hash). A venv that
# already holds that lock is reused as it is, so a second run starts at once.
# Needs only Python 3.11+ with venv and pip (Debian: apt-get install python3-venv); no root.

VENV=.venv

venv_from_lock() {
    local lock="$1"
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "error: Python 3.11 or newer is needed as python3 (found: $(python3 --version 2>&1))" >&2
        return 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
            rm -rf "$VENV"
            echo "error: python3 cannot make a virtualenv; install venv and pip first" \
                "(Debian/Ubuntu: sudo apt-get install python3-venv), then run this again" >&2
            return 1
        fi
    fi
    # The lock and the project's own metadata decide what is installed: same files, no work.
    local stamp="$VENV/.installed-$(basename "$lock" .txt)"
    local wanted
    wanted="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    echo "Installing $lock into $VENV (once; later runs reuse it)…"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --require-hashes --no-deps -r "$lock"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --no-build-isolation -e .
    echo "$wanted" > "$stamp"
}
