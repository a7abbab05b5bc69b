#!/bin/sh
# Restore the relay's database from a backup made by backup.sh.
#
#   restore.sh BACKUP_FILE [--config /etc/kiosk-relay/relay.toml] [--no-service]
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
python=${KIOSK_RELAY_PYTHON:-/opt/kiosk-relay/bin/python}
[ -x "$python" ] || python=python3
config=/etc/kiosk-relay/relay.toml
service=kiosk-relay.service
use_service=1
backup=

while [ $# -gt 0 ]; do
    case "$1" in
        --config) config=$2; shift 2 ;;
        --no-service) use_service=0; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        -*) echo "restore.sh: unknown option $1" >&2; exit 2 ;;
        *) backup=$1; shift ;;
    esac
done
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
