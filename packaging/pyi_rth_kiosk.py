"""PyInstaller runtime hook: runs in the frozen kiosk before any application import.

python-escpos 3.1 locates ``capabilities.json`` through ``importlib_resources.as_file`` at import time and
compares file modification times with a pickle; inside a bundle that lookup has broken before. Pointing
``ESCPOS_CAPABILITIES_FILE`` at the copy shipped in the bundle makes the import deterministic. An explicit
setting by the operator still wins.
"""

import os
import sys

_bundle = getattr(sys, "_MEIPASS", None)
if _bundle:
    _capabilities = os.path.join(_bundle, "escpos", "capabilities.json")
    if os.path.isfile(_capabilities):
        os.environ.setdefault("ESCPOS_CAPABILITIES_FILE", _capabilities)
