"""Back up and restore the relay's SQLite database (used by backup.sh and restore.sh).

    python3 relay_db.py db-path --config /etc/kiosk-relay/relay.toml
    python3 relay_db.py backup  --config /etc/kiosk-relay/relay.toml --dest /var/backups/kiosk-relay [--keep 30]
    python3 relay_db.py restore --config /etc/kiosk-relay/relay.toml BACKUP_FILE
    python3 relay_db.py check   FILE

``backup`` uses SQLite's online backup API, so it is safe while the relay runs and writes: the copy is
one consistent snapshot (every committed transaction up to that moment, nothing half-written). The copy is
switched out of WAL mode so that it is a single self-contained file, checked with ``PRAGMA
integrity_check``, fsynced and only then given its final name. ``restore`` checks the backup, moves the
current database (and its -wal/-shm) aside as ``*.replaced-<time>`` and puts the backup in its place; the
relay must be stopped (restore.sh does that). Each command prints one JSON line.

It runs with the relay's own interpreter (``/opt/kiosk-relay/bin/python``): backups are created 0600
through ``kiosk.files``, whatever the umask.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from kiosk.files import private_temp

BACKUP_PREFIX = "relay-"
BACKUP_SUFFIX = ".sqlite3"


class BackupError(Exception):
    pass


def db_path(config: Path) -> Path:
    """``[storage] path`` of a relay configuration; relative paths are relative to the file, as in the relay."""
    config = config.resolve()
    try:
        document = tomllib.loads(config.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BackupError(f"cannot read {config}: {exc}") from None
    path = document.get("storage", {}).get("path")
    if not isinstance(path, str) or not path:
        raise BackupError(f"{config}: [storage] path is missing")
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


def backup(source: Path, dest_dir: Path, *, keep: int | None = None) -> dict[str, Any]:
    if not source.is_file():
        raise BackupError(f"no relay database at {source}")
    dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = dest_dir / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"
    counter = 1
    while final.exists():  # two backups within one second
        final = dest_dir / f"{BACKUP_PREFIX}{stamp}-{counter}{BACKUP_SUFFIX}"
        counter += 1
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
    report["removed"] = prune(dest_dir, keep) if keep else []
    return report


def prune(dest_dir: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest backups (by name, which sorts by time)."""
    backups = sorted(dest_dir.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
    removed = backups[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink()
    return [str(path) for path in removed]


def restore(backup_file: Path, target: Path) -> dict[str, Any]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relay_db.py", description="Back up and restore the relay database")
    commands = parser.add_subparsers(dest="command", required=True)
    path_cmd = commands.add_parser("db-path", help="print the database path named by a relay configuration")
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
            print(db_path(args.config))
            return 0
        if args.command == "backup":
            result = backup(db_path(args.config), args.dest, keep=args.keep)
        elif args.command == "restore":
            result = restore(args.backup, db_path(args.config))
        else:
            result = summary(args.file)
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"relay_db.py {args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
