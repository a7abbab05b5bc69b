"""The service manager's end of systemd's notification protocol, for tests of ``kiosk-relay serve`` under it: bind
a datagram socket, pass its path as ``NOTIFY_SOCKET`` and read what the relay sent."""

from __future__ import annotations

import socket


def received(systemd: socket.socket, messages: list[str]) -> set[str]:
    """Every datagram waiting on ``systemd`` (appended to ``messages``); the set of all received so far."""
    systemd.setblocking(False)
    try:
        while True:
            messages.append(systemd.recv(4096).decode())
    except BlockingIOError:
        return set(messages)
