"""Files only their owner can read, whatever the umask.

The relay's database holds every order of the merchant; its backups and its configuration (the APIv3 key)
even more. A relay started by hand under the common umask 022 would create them world-readable, so every
file the relay (or its backup script) creates goes through here and gets mode 0600 exactly. SQLite gives
its ``-wal``, ``-shm`` and ``-journal`` files the mode of the database file, so creating the database here
first covers them too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE = 0o600


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; an existing file is left as it is.

    Returns whether it was created."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        return False
    os.chmod(path, PRIVATE)  # the umask may have taken bits away (0277 → 0400); set exactly 0600
    return True


def private_temp(directory: Path, prefix: str, suffix: str = ".tmp") -> Path:
    """A new empty file with mode 0600 in ``directory``, for writing and then renaming into place."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    os.close(fd)
    os.chmod(name, PRIVATE)
    return Path(name)
