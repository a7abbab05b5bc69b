"""Back up and restore the relay's database, SQLite or PostgreSQL (used by backup.sh and restore.sh).

    python3 relay_db.py db-path --config /etc/kiosk-relay/relay.toml
    python3 relay_db.py backup  --config /etc/kiosk-relay/relay.toml --dest /var/backups/kiosk-relay [--keep 30]
    python3 relay_db.py restore --config /etc/kiosk-relay/relay.toml BACKUP_FILE
    python3 relay_db.py check   FILE

**SQLite** (``[storage] path``): ``backup`` uses SQLite's online backup API, so it is safe while the relay
runs and writes: the copy is one consistent snapshot (every committed transaction up to that moment, nothing
half-written). The copy is switched out of WAL mode so that it is a single self-contained file, checked with
``PRAGMA integrity_check``, fsynced and only then given its final name (``relay-<time>.sqlite3``).
``restore`` checks the backup, moves the current database (and its -wal/-shm) aside as
``*.replaced-<time>`` and puts the backup in its place; the relay must be stopped (restore.sh does that).

**PostgreSQL** (``[storage] url``): ``backup`` runs ``pg_dump`` (custom format) on a snapshot exported by a
read-only transaction in which the rows are also counted, so the counts printed are exactly the dump's, while
every relay instance keeps writing; the archive is listed with ``pg_restore --list``, fsynced and renamed
(``relay-<time>.dump``). ``restore`` dumps the database as it is (``relay.replaced-<time>.dump`` beside the
backup), then restores the backup in one transaction (``pg_restore --clean --single-transaction``); every
relay instance must be stopped. The password of the URL goes to the tools through ``PGPASSWORD``, never on
a command line. The client tools come from Debian's ``postgresql-client``.

Each command prints one JSON line. It runs with the relay's own interpreter (``/opt/kiosk-relay/bin/python``,
with the ``postgres`` extra for PostgreSQL): backups are created 0600 through ``kiosk.files``, whatever the
umask.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.files import private_temp

BACKUP_PREFIX = "relay-"
BACKUP_SUFFIX = ".sqlite3"
DUMP_SUFFIX = ".dump"


class BackupError(Exception):
    pass


def storage(config: Path) -> Path | str:
    """Where a relay configuration stores: ``[storage] path`` (relative to the file, as in the relay) or
    ``[storage] url``."""
    config = config.resolve()
    try:
        document = tomllib.loads(config.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BackupError(f"cannot read {config}: {exc}") from None
    table = document.get("storage", {})
    url = table.get("url")
    if isinstance(url, str) and url:
        return url
    path = table.get("path")
    if not isinstance(path, str) or not path:
        raise BackupError(f"{config}: [storage] path (or url) is missing")
    return config.parent / path


def _fsync_dir(directory: Path) -> None:
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def summary(path: Path) -> dict[str, Any]:
    """Integrity check and row counts of every table; raises BackupError if the file is damaged."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    # Read-only: checking a file must never create -wal/-shm files next to it.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path} failed the integrity check: {'; '.join(result[:5])}")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from None
    finally:
        connection.close()
    return {"file": str(path), "bytes": path.stat().st_size, "rows": counts}


def _new_backup(dest_dir: Path, suffix: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = dest_dir / f"{BACKUP_PREFIX}{stamp}{suffix}"
    counter = 1
    while final.exists():  # two backups within one second
        final = dest_dir / f"{BACKUP_PREFIX}{stamp}-{counter}{suffix}"
        counter += 1
    return final


def backup(source: Path | str, dest_dir: Path, *, keep: int | None = None) -> dict[str, Any]:
    if isinstance(source, str):
        report = pg_dump(source, _new_backup(dest_dir, DUMP_SUFFIX))
        report["source"] = _describe(source)
        report["removed"] = prune(dest_dir, keep, DUMP_SUFFIX) if keep else []
        return report
    if not source.is_file():
        raise BackupError(f"no relay database at {source}")
    final = _new_backup(dest_dir, BACKUP_SUFFIX)
    # 0600 from the start (SQLite gives its journal beside it the same mode), whatever the umask.
    temp = private_temp(dest_dir, ".backup-")
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(temp)
            try:
                # pages=-1: the whole database in one step, under one read transaction = one snapshot.
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                dst.close()
        finally:
            src.close()
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        report = summary(temp)
        os.replace(temp, final)
        _fsync_dir(dest_dir)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    report["file"] = str(final)
    report["source"] = str(source)
    report["removed"] = prune(dest_dir, keep, BACKUP_SUFFIX) if keep else []
    return report


def prune(dest_dir: Path, keep: int, suffix: str) -> list[str]:
    """Delete all but the ``keep`` newest backups of one kind (by name, which sorts by time)."""
    backups = sorted(dest_dir.glob(f"{BACKUP_PREFIX}*{suffix}"))
    removed = backups[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink()
    return [str(path) for path in removed]


def restore(backup_file: Path, target: Path | str) -> dict[str, Any]:
    if isinstance(target, str):
        if backup_file.suffix != DUMP_SUFFIX:
            raise BackupError(f"the relay stores in PostgreSQL: restore a {DUMP_SUFFIX} backup, not {backup_file}")
        return pg_restore(backup_file, target)
    if backup_file.suffix == DUMP_SUFFIX:
        raise BackupError(f"the relay stores in {target}: restore a {BACKUP_SUFFIX} backup, not {backup_file}")
    report = summary(backup_file)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    moved = []
    # Keep the database being replaced (and its WAL, which may hold its latest commits) rather than delete it.
    for suffix in ("", "-wal", "-shm"):
        current = Path(f"{target}{suffix}")
        if current.exists():
            aside = Path(f"{target}.replaced-{stamp}{suffix}")
            os.replace(current, aside)
            moved.append(str(aside))
    temp = private_temp(target.parent, ".restore-")
    try:
        with open(temp, "wb") as out, open(backup_file, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    restored = summary(target)
    if restored["rows"] != report["rows"]:
        raise BackupError(f"restored {target} differs from {backup_file}: {restored['rows']} != {report['rows']}")
    restored["from"] = str(backup_file)
    restored["moved_aside"] = moved
    return restored


# ---- PostgreSQL ------------------------------------------------------------------------------------------


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise BackupError("a relay on PostgreSQL needs its driver: pip install 'kiosk[postgres]'") from None
    return psycopg


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return found


def _describe(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}").geturl()


def _run(tool: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL client tool on ``url``: the connection as a conninfo string without the password, the
    password in the environment (a command line is visible to every user of the machine)."""
    conninfo = _psycopg().conninfo.conninfo_to_dict(url)
    password = conninfo.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password is not None else {})}
    dbname = _psycopg().conninfo.make_conninfo(**conninfo)
    done = subprocess.run(
        [_tool(tool), *args, f"--dbname={dbname}"], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed on {_describe(url)}: {done.stderr.strip() or done.returncode}")
    return done


def _pg_counts(cursor: Any) -> dict[str, int]:
    tables = [
        row[0]
        for row in cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    return {table: cursor.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def pg_counts(url: str) -> dict[str, int]:
    psycopg = _psycopg()
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            return _pg_counts(connection)
    except psycopg.Error as exc:
        raise BackupError(f"cannot read {_describe(url)}: {str(exc).strip().splitlines()[0]}") from None


def dump_tables(archive: Path, *, relay: bool = True) -> list[str]:
    """The tables whose rows a dump holds; raises BackupError for a file pg_restore cannot read (or, with
    ``relay``, one without the relay's tables)."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    done = subprocess.run([_tool("pg_restore"), "--list", str(archive)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{archive} is not a readable PostgreSQL dump: {done.stderr.strip()}")
    tables = sorted(line.split()[-2] for line in done.stdout.splitlines() if " TABLE DATA " in line)
    if relay and "orders" not in tables:
        raise BackupError(f"{archive} holds no relay tables")
    return tables


def pg_dump(url: str, final: Path) -> dict[str, Any]:
    """Dump ``url`` into ``final`` (0600); the rows are counted in the very snapshot pg_dump reads."""
    psycopg = _psycopg()
    temp = private_temp(final.parent, ".backup-")
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.transaction():
                snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
                counts = _pg_counts(connection)
                # The snapshot stays valid while this transaction is open.
                _run("pg_dump", url, "--format=custom", f"--snapshot={snapshot}", f"--file={temp}")
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        dump_tables(temp, relay=False)  # readable (a database being replaced may hold no relay yet)
        os.replace(temp, final)
        _fsync_dir(final.parent)
    except psycopg.Error as exc:
        temp.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {_describe(url)}: {str(exc).strip().splitlines()[0]}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return {"file": str(final), "bytes": final.stat().st_size, "rows": counts}


def pg_restore(backup_file: Path, url: str) -> dict[str, Any]:
    tables = dump_tables(backup_file)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    # Keep the data being replaced rather than drop it.
    aside = pg_dump(url, backup_file.parent / f"relay.replaced-{stamp}{DUMP_SUFFIX}")
    _run("pg_restore", url, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
         str(backup_file))  # fmt: skip
    restored = pg_counts(url)
    missing = [table for table in tables if table not in restored]
    if missing:
        raise BackupError(f"restoring {backup_file} left out {', '.join(missing)}")
    return {"database": _describe(url), "rows": restored, "from": str(backup_file), "moved_aside": [aside["file"]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relay_db.py", description="Back up and restore the relay database")
    commands = parser.add_subparsers(dest="command", required=True)
    path_cmd = commands.add_parser("db-path", help="print the database a relay configuration names (file or URL)")
    path_cmd.add_argument("--config", type=Path, required=True)
    backup_cmd = commands.add_parser("backup", help="online backup of the (running) relay's database")
    backup_cmd.add_argument("--config", type=Path, required=True)
    backup_cmd.add_argument("--dest", type=Path, required=True, help="directory for relay-<UTC time>.sqlite3")
    backup_cmd.add_argument("--keep", type=int, help="keep only this many newest backups in --dest")
    restore_cmd = commands.add_parser("restore", help="put a backup in place of the (stopped) relay's database")
    restore_cmd.add_argument("--config", type=Path, required=True)
    restore_cmd.add_argument("backup", type=Path)
    check_cmd = commands.add_parser("check", help="integrity check and row counts of a database or backup")
    check_cmd.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "db-path":
            where = storage(args.config)
            print(where if isinstance(where, Path) else _describe(where))
            return 0
        if args.command == "backup":
            result = backup(storage(args.config), args.dest, keep=args.keep)
        elif args.command == "restore":
            result = restore(args.backup, storage(args.config))
        elif args.file.suffix == DUMP_SUFFIX:
            result = {"file": str(args.file), "bytes": args.file.stat().st_size, "tables": dump_tables(args.file)}
        else:
            result = summary(args.file)
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"relay_db.py {args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
