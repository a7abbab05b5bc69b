"""The stylesheet's sizes follow the screen (kiosk/ui/scale.py)."""

from __future__ import annotations

from PySide6.QtCore import QSize

from kiosk.ui.scale import MAX_SCALE, MIN_SCALE, scale_for, scaled


def test_the_scale_follows_the_tighter_side_in_steps_within_bounds() -> None:
    assert scale_for(QSize(1280, 800)) == 1.0
    assert scale_for(QSize(1366, 768)) == 0.95  # the height decides
    assert scale_for(QSize(1920, 1080)) == 1.35
    assert scale_for(QSize(800, 480)) == MIN_SCALE
    assert scale_for(QSize(7680, 4320)) == MAX_SCALE


def test_every_length_scales_but_hairlines_and_names() -> None:
    rule = "#tile-12px { min-height: 56px; margin: -16px 0; border: 1px solid; border-radius: 2px; padding: 10px; }"
    assert scaled(rule, 0.8) == (
        "#tile-12px { min-height: 45px; margin: -13px 0; border: 1px solid; border-radius: 2px; padding: 8px; }"
    )
