"""Kiosk: a WeChat Pay Native point-of-sale application."""

__version__ = "0.1.0"
