"""systemd's notification protocol (``sd_notify(3)``), which the shipped unit uses (``Type=notify``).

``kiosk-relay serve`` sends ``READY=1`` once it accepts connections, ``STATUS=…`` when its health changes,
``WATCHDOG=1`` while storage writes (:mod:`.health`) and ``STOPPING=1`` as it starts to stop
(``RelayApp.stopping``). With ``WatchdogSec=`` set, systemd restarts a relay whose pings stop: one whose event loop
is stuck, or whose storage cannot write. The protocol is one datagram per message to ``$NOTIFY_SOCKET``; nothing
is sent when it is not set.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("kiosk.relay.watchdog")


class Systemd:
    def __init__(self, address: str, watchdog: float | None) -> None:
        # A leading "@" names a socket in the abstract namespace.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        #: Seconds within which systemd wants a ping (``WatchdogSec=``), or None without a watchdog.
        self.watchdog = watchdog

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Systemd | None:
        """The service manager that started this process, if it listens (``NOTIFY_SOCKET``)."""
        address = environ.get("NOTIFY_SOCKET")
        if not address:
            return None
        watchdog = None
        usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            watchdog = int(usec) / 1_000_000
        return cls(address, watchdog)

    def notify(self, message: str) -> None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                # Never waits: it is sent from the event loop, and a listener whose queue is full must not stop
                # the relay (the datagram is dropped; the next ping or status goes again).
                sock.sendto(message.encode("utf-8"), socket.MSG_DONTWAIT, self.address)
        except OSError as exc:  # systemd gone (shutting down), or its queue full: nothing to tell
            log.debug("sd_notify %s failed: %s", message.split("=", 1)[0], exc)
