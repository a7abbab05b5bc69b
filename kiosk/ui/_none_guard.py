"""Work around shiboken6 reference-counting bugs seen with PySide6 6.12.0 on Python 3.11.

* Every Qt method that returns ``void`` hands back ``None`` one reference short, so each call lowers
  ``None``'s reference count by one;
* a queued (cross-thread) signal with a ``bool`` argument loses one reference of ``True``/``False`` per
  delivery.

After a few thousand of either (seconds to minutes of a running window) CPython aborts with "Fatal Python
error: none_dealloc" / "bool_dealloc". Python 3.12 made these singletons immortal, which hides the bugs.
Until the dependency is fixed, give them reference counts that no kiosk can ever use up.
"""

from __future__ import annotations

import ctypes
import sys

#: 2**60 references: at a million leaked references a second this lasts for tens of thousands of years.
_HEADROOM = 1 << 60
_SINGLETONS = (None, True, False)


def guard_none_refcount() -> bool:
    """Raise the singletons' reference counts out of reach (once; no-op where they are immortal)."""
    if sys.version_info >= (3, 12):
        return False
    for singleton in _SINGLETONS:
        # ob_refcnt is the first field of every PyObject in CPython's (non-debug) object layout.
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < _HEADROOM // 2:
            refcount.value += _HEADROOM
    return True
