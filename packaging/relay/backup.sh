#!/bin/sh
# Online backup of the relay's database; safe while the relay runs: SQLite's backup API for an SQLite file
# (relay-<time>.sqlite3), pg_dump on one snapshot for PostgreSQL (relay-<time>.dump).
#
#   backup.sh [--config /etc/kiosk-relay/relay.toml] [--dest /var/backups/kiosk-relay] [--keep 30]
#
# Run it as the service user (kiosk-relay-backup.timer does, daily), or as root: it then switches to the
# owner of the database file (of the configuration, for PostgreSQL) so that no backup ends up owned by root.
# Prints one JSON line (backup file, size, rows per table). Copy the backups off the server (rsync, object
# storage): a backup on the same disk does not survive that disk. The configuration and keys in
# /etc/kiosk-relay are not in it; back them up separately, encrypted.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
python=${KIOSK_RELAY_PYTHON:-/opt/kiosk-relay/bin/python}
[ -x "$python" ] || python=python3
config=/etc/kiosk-relay/relay.toml
dest=/var/backups/kiosk-relay
keep=30

while [ $# -gt 0 ]; do
    case "$1" in
        --config) config=$2; shift 2 ;;
        --dest) dest=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "backup.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

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
