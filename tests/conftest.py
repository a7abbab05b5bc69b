"""Fixtures every test package may use."""

from __future__ import annotations

from tests.support.postgres import postgres_binaries, postgres_server, postgres_url

__all__ = ["postgres_binaries", "postgres_server", "postgres_url"]
