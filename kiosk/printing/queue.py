"""The print queue: journaled jobs printed by one worker thread, exactly once unless reprinted on purpose.

Guarantees
- ``submit`` journals the job (table ``print_jobs``) before returning; nothing submitted is dropped.
- ``submit`` is idempotent on ``job_key``; ``reprint=True`` adds a new job whose document carries the
  "重印 REPRINT" mark.
- Jobs print in submission order. A job is marked ``printed`` only after the printer accepted its bytes;
  a printer that is offline, out of paper or has its cover open leaves the job ``pending`` and the worker
  retries with back-off (the head job waits: slips never print out of order).
- On restart pending jobs resume. A job found ``sending`` (the process died mid-job, so it may or may not
  have printed) is printed again *with the reprint mark*, so a duplicate can never pass for an original.
- A job that cannot be rendered at all becomes ``failed`` (visible to listeners, :meth:`retry` re-queues it)
  and does not block the jobs behind it.
- A job submitted ``while_open`` (a payment slip) is printed only while its order is still open, as the
  injected ``order_open`` says at print time; otherwise it becomes ``dropped`` (a QR for an order that is
  paid, cancelled or expired must never reach a customer). A clerk may :meth:`skip` a waiting job.
- Every job the printer held up carries the :class:`~kiosk.printing.faults.FaultKind` of the last refusal
  (``fault``), so the UI can say 缺纸 / 纸仓盖打开 / 打印机未连接 and what to do.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from kiosk.clock import Clock, SystemClock
from kiosk.printing.documents import Document
from kiosk.printing.errors import PrinterError
from kiosk.printing.faults import FaultKind, fault_of
from kiosk.printing.printers import Printer, safe_job_name

log = logging.getLogger(__name__)

#: ``dropped``: not printed because it no longer applies (its order closed); ``skipped``: the clerk said so.
JobState = Literal["pending", "sending", "printed", "failed", "dropped", "skipped"]
#: States a job never leaves.
DONE_STATES = frozenset({"printed", "dropped", "skipped"})
Listener = Callable[["PrintJob"], None]
#: Document kind standing in for a journal entry that cannot be parsed.
UNREADABLE = "unreadable-journal-entry"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_key TEXT NOT NULL,
    reprint INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'printed', 'failed', 'dropped', 'skipped')),
    document TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    bytes_sent INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    printed_at TEXT,
    out_trade_no TEXT,
    while_open INTEGER NOT NULL DEFAULT 0 CHECK (while_open IN (0, 1)),
    fault TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS print_jobs_original_key ON print_jobs (job_key) WHERE reprint = 0;
CREATE INDEX IF NOT EXISTS print_jobs_state ON print_jobs (state, id);
"""

_COLUMNS = (
    "id, job_key, reprint, state, document, attempts, last_error, bytes_sent, created_at, updated_at, printed_at,"
    " out_trade_no, while_open, fault"
)
#: Columns of the first print_jobs table (before jobs knew their order and fault): copied when it is rebuilt.
_FIRST_COLUMNS = (
    "id, job_key, reprint, state, document, attempts, last_error, bytes_sent, created_at, updated_at, printed_at"
)


@dataclass(frozen=True)
class PrintJob:
    id: int
    job_key: str
    reprint: bool
    state: JobState
    document: Document
    attempts: int
    last_error: str | None
    bytes_sent: int | None
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None
    #: The order the job belongs to (slips, receipts, refund slips), if any.
    out_trade_no: str | None = None
    #: Print only while that order is open (payment slips).
    while_open: bool = False
    #: Why the printer refused the last attempt (pending jobs), or why the job failed.
    fault: FaultKind | None = None

    @property
    def name(self) -> str:
        """File-safe job name (the virtual printer's ``<name>.bin`` / ``<name>.png``)."""
        return f"{self.id:06d}-{safe_job_name(self.job_key)}"

    @classmethod
    def _from_row(cls, row: tuple[object, ...]) -> PrintJob:
        (id_, key, reprint, state, document, attempts, error, sent, created, updated, printed, *order_fields) = row
        order, while_open, fault = order_fields
        try:
            parsed = Document.from_json(str(document))
        except (ValueError, KeyError, TypeError) as err:
            # A damaged journal entry must not stop the queue: the worker marks it failed.
            log.error("print job %s has an unreadable document: %s", id_, err)
            parsed = Document(UNREADABLE)
        return cls(
            id=int(str(id_)),
            job_key=str(key),
            reprint=bool(reprint),
            state=str(state),  # type: ignore[arg-type]
            document=parsed,
            attempts=int(str(attempts)),
            last_error=None if error is None else str(error),
            bytes_sent=None if sent is None else int(str(sent)),
            created_at=datetime.fromisoformat(str(created)),
            updated_at=datetime.fromisoformat(str(updated)),
            printed_at=None if printed is None else datetime.fromisoformat(str(printed)),
            out_trade_no=None if order is None else str(order),
            while_open=bool(while_open),
            fault=None if fault is None else FaultKind(str(fault)),
        )


def default_backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failed attempts: 1, 2, 4, ... capped at 30."""
    return float(min(30, 2 ** max(0, failures - 1)))


class PrintQueue:
    """Journaled print jobs and the worker that prints them.

    ``sleep(seconds)`` waits between retries; by default it is an event wait that :meth:`submit`,
    :meth:`retry` and :meth:`stop` cut short. Listeners run on the worker thread (the UI must hand
    the job over to its own thread) and also on the caller's thread for :meth:`submit`.
    """

    def __init__(
        self,
        db_path: Path,
        printer: Printer,
        *,
        clock: Clock | None = None,
        backoff: Callable[[int], float] = default_backoff,
        sleep: Callable[[float], object] | None = None,
        order_open: Callable[[str], bool] | None = None,
    ) -> None:
        self.printer = printer
        self._order_open = order_open
        self._clock = clock or SystemClock()
        self._backoff = backoff
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._sleep = sleep if sleep is not None else self._wake.wait
        self._lock = threading.RLock()
        self._printing = threading.Lock()
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=10.0)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # Like the journal: a job marked printed must survive a power cut, or it prints again unmarked.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._upgrade_first_table()
            self._db.executescript(_SCHEMA)
        self._recover_interrupted()

    # ------------------------------------------------------------------------------------------ journal

    def _upgrade_first_table(self) -> None:
        """A journal from before jobs knew their order: rebuild the table (SQLite cannot alter a CHECK)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(print_jobs)")}
        if not columns or "fault" in columns:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("ALTER TABLE print_jobs RENAME TO print_jobs_first")
            self._db.execute("DROP INDEX IF EXISTS print_jobs_original_key")
            self._db.execute("DROP INDEX IF EXISTS print_jobs_state")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
            self._db.execute(f"INSERT INTO print_jobs ({_FIRST_COLUMNS}) SELECT {_FIRST_COLUMNS} FROM print_jobs_first")
            self._db.execute("DROP TABLE print_jobs_first")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _now(self) -> str:
        moment = self._clock.now()
        if moment.tzinfo is None:
            raise ValueError("the clock returned a naive datetime")
        return moment.isoformat()

    def _fetch(self, where: str, args: tuple[object, ...] = ()) -> list[PrintJob]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE {where}", args).fetchall()
        return [PrintJob._from_row(row) for row in rows]

    def get(self, job_id: int) -> PrintJob:
        found = self._fetch("id = ?", (job_id,))
        if not found:
            raise KeyError(job_id)
        return found[0]

    def jobs(self, *states: JobState, limit: int = 200) -> list[PrintJob]:
        """Most recent jobs first, optionally only in the given states."""
        if states:
            marks = ", ".join("?" for _ in states)
            return self._fetch(f"state IN ({marks}) ORDER BY id DESC LIMIT ?", (*states, limit))
        return self._fetch("1 ORDER BY id DESC LIMIT ?", (limit,))

    def pending(self) -> list[PrintJob]:
        """Jobs still to print, oldest first."""
        return self._fetch("state IN ('pending', 'sending') ORDER BY id")

    def _update(self, job_id: int, **values: object) -> PrintJob:
        values["updated_at"] = self._now()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._lock:
            self._db.execute(f"UPDATE print_jobs SET {assignments} WHERE id = ?", (*values.values(), job_id))
        return self.get(job_id)

    def _recover_interrupted(self) -> None:
        for job in self._fetch("state = 'sending' ORDER BY id"):
            log.warning("print job %s was interrupted while printing; it will print again marked as a reprint", job.id)
            self._update(
                job.id,
                state="pending",
                document=job.document.marked_reprint().to_json(),
                last_error="interrupted while printing; printing again as a reprint",
            )

    # ------------------------------------------------------------------------------------------ API

    def submit(
        self,
        job_key: str,
        document: Document,
        *,
        reprint: bool = False,
        out_trade_no: str | None = None,
        while_open: bool = False,
    ) -> PrintJob:
        """Queue ``document`` under ``job_key``; a repeated key returns the existing job unless ``reprint``.

        ``out_trade_no`` names the order the job belongs to; with ``while_open`` the job prints only if
        ``order_open(out_trade_no)`` still holds when its turn comes (otherwise it is ``dropped``)."""
        if not job_key:
            raise ValueError("empty job_key")
        if while_open and not out_trade_no:
            raise ValueError("while_open needs the out_trade_no of the order")
        now = self._now()
        with self._lock:
            if not reprint:
                existing = self._fetch("job_key = ? AND reprint = 0", (job_key,))
                if existing:
                    return existing[0]
            stored = document.marked_reprint() if reprint else document
            cursor = self._db.execute(
                "INSERT INTO print_jobs"
                " (job_key, reprint, state, document, created_at, updated_at, out_trade_no, while_open)"
                " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
                (job_key, int(reprint), stored.to_json(), now, now, out_trade_no, int(while_open)),
            )
            job = self.get(int(cursor.lastrowid or 0))
        self._notify(job)
        self._wake.set()
        return job

    def retry(self, job_id: int) -> PrintJob:
        """Put a ``failed`` job back in the queue (a clerk's "try again")."""
        job = self.get(job_id)
        if job.state == "failed":
            job = self._update(job_id, state="pending", fault=None)
            self._notify(job)
        self._wake.set()
        return job

    def retry_now(self) -> None:
        """Cut the current back-off short (the clerk has just loaded paper)."""
        self._wake.set()

    def skip(self, job_id: int) -> PrintJob:
        """The clerk's "skip this receipt": a waiting (or failed) job is not printed, the ones behind it go on.

        Waits for a job being sent to finish first (a job is never abandoned half-sent); a job that is done
        is returned as it is."""
        with self._printing:
            job = self.get(job_id)
            if job.state in ("pending", "sending", "failed"):
                job = self._update(job_id, state="skipped", last_error="skipped by the clerk")
                self._notify(job)
        self._wake.set()
        return job

    def stalled(self) -> PrintJob | None:
        """The job at the head of the queue if the printer is holding it up (it has a fault), else ``None``."""
        head = self._fetch("state IN ('pending', 'sending') ORDER BY id LIMIT 1")
        return head[0] if head and head[0].fault is not None else None

    def add_listener(self, callback: Listener) -> None:
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        self._listeners.remove(callback)

    def _notify(self, job: PrintJob) -> None:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:
                log.exception("print queue listener failed")

    # ------------------------------------------------------------------------------------------ worker

    def run_once(self) -> PrintJob | None:
        """Try to print the oldest pending job once; returns it in its new state (``None`` if idle).

        Safe to call while the worker runs (calls are serialised), though normally only the worker calls it.
        """
        with self._printing:
            return self._run_once()

    def _run_once(self) -> PrintJob | None:
        waiting = self._fetch("state IN ('pending', 'sending') ORDER BY id LIMIT 1")
        if not waiting:
            return None
        head = waiting[0]
        if head.document.kind == UNREADABLE:
            job = self._update(
                head.id, state="failed", last_error="the journaled document is unreadable", fault=FaultKind.JOB_FAILED
            )
            self._notify(job)
            return job
        if head.while_open and head.out_trade_no and self._order_open is not None:
            try:
                still_open = self._order_open(head.out_trade_no)
            except Exception as err:
                # Cannot tell (the journal is busy or failing): not printing a QR is the safe side; ask again.
                log.warning("cannot tell whether order %s is open: %s", head.out_trade_no, err)
                job = self._update(head.id, state="pending", last_error=f"order state unknown: {err}")
                self._notify(job)
                return job
            if not still_open:
                job = self._update(
                    head.id, state="dropped", last_error=f"not printed: order {head.out_trade_no} is no longer open"
                )
                self._notify(job)
                return job
        job = self._update(head.id, state="sending", attempts=head.attempts + 1)
        self._notify(job)
        try:
            sent = self.printer.print_document(job.document, job_name=job.name)
        except PrinterError as err:
            # Offline, out of paper, cover open, unplugged, bad permissions: wait and try again.
            job = self._update(job.id, state="pending", last_error=str(err), fault=fault_of(err))
        except Exception as err:
            log.exception("print job %s cannot be printed", job.id)
            job = self._update(
                job.id, state="failed", last_error=f"{type(err).__name__}: {err}", fault=FaultKind.JOB_FAILED
            )
        else:
            job = self._update(
                job.id, state="printed", bytes_sent=sent, printed_at=self._now(), last_error=None, fault=None
            )
        self._notify(job)
        return job

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                job = self.run_once()
            except Exception:
                # The journal itself failed (disk full, database locked for too long): keep the thread alive.
                log.exception("print queue worker error")
                failures += 1
                self._sleep(self._backoff(failures))
                continue
            if job is None:
                self._wake.wait()
                continue
            if job.state == "pending":
                failures += 1
                self._sleep(self._backoff(failures))
            else:
                failures = 0

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        if self._thread and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-print-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker after the job in hand (a job is never abandoned half-sent)."""
        self._stopping.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        self.stop()
        with self._lock:
            self._db.close()
