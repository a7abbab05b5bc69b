#!/bin/sh
# Restore the relay's database from a backup made by backup.sh.
#
#   restore.sh BACKUP_FILE [--config /etc/kiosk-relay/relay.toml] [--no-service]
#
# KIOSK_RELAY_PYTHON names the relay's Python, the one with the kiosk package (default
# /opt/kiosk-relay/bin/python; a trial from a checkout: .venv/bin/python).
#
# Stops kiosk-relay.service, keeps the current data (an SQLite file and its -wal/-shm moved aside as
# relay.sqlite3.replaced-<time>; a PostgreSQL database dumped as relay.replaced-<time>.dump beside the
# backup), puts the checked backup in place (an SQLite file owned by the service user; a .dump restored in one
# transaction) and starts the service again. --no-service skips systemctl (a relay you run yourself: stop it
# first). On PostgreSQL, stop the relay on every other server too before restoring.
# Orders paid after the backup was taken are not in it: the relay's reconciler cannot find orders it does
# not know, so compare with the WeChat Pay trade bill of the days since (docs/deploy.md, "Backups").
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# The relay's own interpreter: relay_db.py needs the kiosk package installed in it.
python=${KIOSK_RELAY_PYTHON:-/opt/kiosk-relay/bin/python}
config=/etc/kiosk-relay/relay.toml
service=kiosk-relay.service
use_service=1
backup=

while [ $# -gt 0 ]; do
    case "$1" in
        --config) config=$2; shift 2 ;;
        --no-service) use_service=0; shift ;;
        -h|--help) sed -n '/^set -eu/q; 2,$ s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "restore.sh: unknown option $1" >&2; exit 2 ;;
        *) backup=$1; shift ;;
    esac
done
"$python" -c 'import kiosk.files' 2>/dev/null || {
    echo "restore.sh: $python cannot import the kiosk package: set KIOSK_RELAY_PYTHON to the relay's Python (the one kiosk-relay runs with)" >&2
    exit 2
}
[ -n "$backup" ] || { echo "restore.sh: which backup file? (see --help)" >&2; exit 2; }
"$python" "$here/relay_db.py" check "$backup" >/dev/null

db=$("$python" "$here/relay_db.py" db-path --config "$config")
if [ "$use_service" = 1 ]; then
    systemctl stop "$service"
fi
umask 077
"$python" "$here/relay_db.py" restore --config "$config" "$backup"
case "$db" in
    postgres*://*) ;;
    *) if [ "$(id -u)" = 0 ] && id kiosk-relay >/dev/null 2>&1; then chown kiosk-relay:kiosk-relay "$db"; fi ;;
esac
if [ "$use_service" = 1 ]; then
    systemctl start "$service"
fi
