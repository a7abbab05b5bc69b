"""Data files shipped with Kiosk, installed as the package ``kiosk._resources`` (found by kiosk/resources.py)."""
