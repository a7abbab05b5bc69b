"""Work around a shiboken6 reference-counting bug seen with PySide6 6.12.0 on Python 3.11.

Every Qt method that returns ``void`` hands back ``None`` one reference short, so each call lowers
``None``'s reference count by one; after a few thousand calls (seconds of a running window) CPython aborts
with "Fatal Python error: none_dealloc". Python 3.12 made ``None`` immortal, which hides the bug there.
Until the dependency is fixed, give ``None`` a reference count that no kiosk can ever use up.
"""

from __future__ import annotations

import ctypes
import sys

#: 2**60 references: at a million leaked references a second this lasts for tens of thousands of years.
_HEADROOM = 1 << 60


def guard_none_refcount() -> bool:
    """Raise ``None``'s reference count out of reach (once; no-op where ``None`` is immortal)."""
    if sys.version_info >= (3, 12):
        return False
    # ob_refcnt is the first field of every PyObject in CPython's (non-debug) object layout.
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < _HEADROOM // 2:
        refcount.value += _HEADROOM
    return True
