#!/bin/sh
# Online backup of the relay's database; safe while the relay runs: SQLite's backup API for an SQLite file
# (relay-<time>.sqlite3), pg_dump on one snapshot for PostgreSQL (relay-<time>.dump).
#
#   backup.sh [--config /etc/kiosk-relay/relay.toml] [--dest /var/backups/kiosk-relay] [--keep 30]
#
# KIOSK_RELAY_PYTHON names the relay's Python, the one with the kiosk package (default
# /opt/kiosk-relay/bin/python; a trial from a checkout: .venv/bin/python).
#
# Run it as the service user (kiosk-relay-backup.timer does, daily), or as root: it then switches to the
# owner of the database file (of the configuration, for PostgreSQL) so that no backup ends up owned by root.
# Prints one JSON line (backup file, size, rows per table). Copy the backups off the server (rsync, object
# storage): a backup on the same disk does not survive that disk. The configuration and keys in
# /etc/kiosk-relay are not in it; back them up separately, encrypted.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# The relay's own interpreter: relay_db.py needs the kiosk package installed in it.
python=${KIOSK_RELAY_PYTHON:-/opt/kiosk-relay/bin/python}
config=/etc/kiosk-relay/relay.toml
dest=/var/backups/kiosk-relay
keep=30

while [ $# -gt 0 ]; do
    case "$1" in
        --config) config=$2; shift 2 ;;
        --dest) dest=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '/^set -eu/q; 2,$ s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "backup.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
"$python" -c 'import kiosk.files' 2>/dev/null || {
    echo "backup.sh: $python cannot import the kiosk package: set KIOSK_RELAY_PYTHON to the relay's Python (the one kiosk-relay runs with)" >&2
    exit 2
}

db=$("$python" "$here/relay_db.py" db-path --config "$config")
case "$db" in
    postgres*://*) owned=$config ;;  # the database lives on its server
    *) owned=$db ;;
esac
if [ "$(id -u)" = 0 ]; then
    owner=$(stat -c %U "$owned")
    if [ "$owner" != root ]; then
        install -d -o "$owner" -g "$(stat -c %G "$owned")" -m 0700 "$dest"
        exec runuser -u "$owner" -- "$python" "$here/relay_db.py" backup --config "$config" --dest "$dest" --keep "$keep"
    fi
fi
umask 077
exec "$python" "$here/relay_db.py" backup --config "$config" --dest "$dest" --keep "$keep"
