"""The PostgreSQL server the relay's tests start themselves (tests/support/postgres.py) is real and goes away."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import (
    Binaries,
    PostgresServer,
    PostgresUnavailable,
    find_binaries,
    postgres_missing,
    running_postgres,
)
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_committed_rows_are_seen_by_another_connection(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as writer, psycopg.connect(postgres_url, autocommit=True) as reader:
        writer.execute("CREATE TABLE payments (out_trade_no text PRIMARY KEY, total integer NOT NULL)")
        writer.commit()
        writer.execute("INSERT INTO payments VALUES ('K1-0001', 1250)")
        assert reader.execute("SELECT count(*) FROM payments").fetchone() == (0,)
        writer.commit()
        assert reader.execute("SELECT out_trade_no, total FROM payments").fetchall() == [("K1-0001", 1250)]
        reader.execute("INSERT INTO payments VALUES ('K1-0002', 300)")
        assert writer.execute("SELECT sum(total) FROM payments").fetchone() == (1550,)


def test_notify_reaches_a_listening_connection_on_commit(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as listener, psycopg.connect(postgres_url) as notifier:
        listener.execute("LISTEN order_changed")
        notifier.execute("SELECT pg_notify('order_changed', 'K1-0001')")
        assert list(listener.notifies(timeout=0.2)) == []  # not before the transaction commits
        notifier.commit()
        [notice] = listener.notifies(timeout=10, stop_after=1)
        assert (notice.channel, notice.payload, notice.pid) == ("order_changed", "K1-0001", notifier.info.backend_pid)


def test_databases_are_fresh_or_copies_of_a_template(postgres_server: PostgresServer) -> None:
    template = postgres_server.create_database()
    with psycopg.connect(postgres_server.url(template)) as conn:
        conn.execute("CREATE TABLE stores (store_id text PRIMARY KEY)")
        conn.execute("INSERT INTO stores VALUES ('S001')")
    copy = postgres_server.create_database(template=template)
    fresh = postgres_server.create_database()
    with psycopg.connect(postgres_server.url(copy)) as conn:
        assert conn.execute("SELECT store_id FROM stores").fetchall() == [("S001",)]
    with psycopg.connect(postgres_server.url(fresh)) as conn:
        assert conn.execute("SELECT to_regclass('stores')").fetchone() == (None,)
    connected = psycopg.connect(postgres_server.url(copy))
    for name in (template, copy, fresh):
        postgres_server.drop_database(name)  # also while someone is connected
    with pytest.raises(psycopg.OperationalError):
        connected.execute("SELECT 1")
    connected.close()
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(postgres_server.url(copy))


def test_server_listens_only_on_its_socket_and_not_as_root(postgres_url: str, postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_url) as conn:
        settings = conn.execute(
            "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'),"
            " current_setting('fsync'), current_setting('synchronous_commit')"
        ).fetchone()
    assert settings == ("", str(postgres_server.directory), "on", "on")
    assert (postgres_server.directory / ".s.PGSQL.5432").is_socket()
    assert postgres_server.data_dir.stat().st_uid != 0


def test_server_is_stopped_and_removed_on_exit_even_after_an_error(postgres_binaries: Binaries) -> None:
    with pytest.raises(RuntimeError, match="the test failed"), running_postgres(postgres_binaries) as server:
        with psycopg.connect(server.url()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        raise RuntimeError("the test failed")
    assert server.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(server.process.pid, 0)
    assert not server.directory.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url(), connect_timeout=2)


def test_server_dies_with_the_process_that_started_it(postgres_binaries: Binaries) -> None:
    # A test run killed outright (SIGKILL, os._exit) runs no finally: the kernel must stop its server.
    script = (
        "import sys, time\n"
        "from tests.support.postgres import running_postgres\n"
        "with running_postgres() as server:\n"
        "    print(server.process.pid, server.directory, flush=True)\n"
        "    time.sleep(120)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    pid, directory = owner.stdout.readline().split()
    try:
        assert _running(int(pid))
        owner.kill()
        owner.wait(10)
        wait_until(lambda: not _running(int(pid)), message="the orphaned postgres to exit")
    finally:
        owner.stdout.close()
        if _running(int(pid)):
            os.kill(int(pid), signal.SIGQUIT)  # the test failed: do not leave the server behind
        shutil.rmtree(directory, ignore_errors=True)  # nobody was left to delete it


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap the orphan)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("utf-8")
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_binaries_on_path_win_then_the_newest_debian_version(tmp_path: Path, postgres_binaries: Binaries) -> None:
    path, debian = tmp_path / "bin", tmp_path / "lib"
    path.mkdir()
    (path / "setpriv").symlink_to(postgres_binaries.setpriv)
    with pytest.raises(PostgresUnavailable, match="no PostgreSQL server binaries"):
        find_binaries(str(path), debian)
    for version in ("9.6", "13", "15"):
        for name in ("initdb", "postgres"):
            (debian / version / "bin").mkdir(parents=True, exist_ok=True)
            (debian / version / "bin" / name).touch(mode=0o755)
    assert find_binaries(str(path), debian).bindir == debian / "15" / "bin"
    (path / "initdb").symlink_to(debian / "9.6" / "bin" / "initdb")  # PATH's initdb is a link into its version
    assert find_binaries(str(path), debian).bindir == debian / "9.6" / "bin"


def test_missing_postgres_fails_and_says_what_to_install() -> None:
    """Never a skip: a run without PostgreSQL would pass without testing the relay on it."""
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install postgresql.*no initdb"):
        postgres_missing("no initdb")
