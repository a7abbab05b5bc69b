"""Entry script of the frozen kiosk (PyInstaller runs this file as ``__main__``).

It only hands over to ``kiosk.cli.main`` so that the frozen ``kiosk`` behaves exactly like the installed
console script, ``kiosk printer-test …`` included.
"""

import multiprocessing
import sys

from kiosk.cli import main

if __name__ == "__main__":
    # A no-op unless something starts a process pool; frozen children then re-enter here, not the UI.
    multiprocessing.freeze_support()
    sys.exit(main())
