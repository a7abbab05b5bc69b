"""Whatever text a catalogue holds, every printed line fits the paper and the bytes stay valid ESC/POS."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.printing.documents import QR, Columns, Document, Field, Line, Rule, Text, layout
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import find_profile
from kiosk.printing.render_common import metrics_for
from kiosk.printing.text import display_width
from tests.printing.escpos_decoder import decode

PROFILES = {name: find_profile(name) for name in ("generic-58mm", "generic-80mm", "epson-tm-t20")}

text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from("中文￥¥，。：“”（）【】é€𠀀😀カ한\u3000\x1b\x1d\x10\x00\t\n"),
        st.characters(),
    ),
    max_size=60,
)
align = st.sampled_from(["left", "center", "right"])
block = st.one_of(
    st.builds(Text, text, align, st.booleans(), st.integers(1, 3), st.integers(1, 3)),
    st.builds(Field, text, text, st.booleans()),
    st.builds(Rule, st.sampled_from(["-", "=", "·", "—"])),
    st.builds(
        lambda cells, widths: Columns(tuple(cells), tuple(widths), ("left", "right", "right")),
        st.lists(text, min_size=3, max_size=3),
        st.sampled_from([(None, 5, 11), (None, 4, 40), (20, 20, 20), (None, None, 3)]),
    ),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(block, max_size=6), st.sampled_from(sorted(PROFILES)))
def test_any_text_fits_the_paper_and_decodes(blocks: list[object], profile_name: str) -> None:
    profile = PROFILES[profile_name]
    try:
        document = Document("fuzz", (*blocks, QR("weixin://wxpay/bizpayurl?pr=x")))  # type: ignore[arg-type]
        laid = layout(document, metrics_for(profile))
    except ValueError as err:
        # Only the documented misuse: two flexible columns in one row.
        assert "at most one flexible column" in str(err)
        return
    for item in laid:
        if isinstance(item, Line):
            assert display_width(item.text) * item.width <= profile.paper.columns
    decoded = decode(render(document, profile))  # raises on any stray control byte or 4-byte GB18030
    for line in decoded.lines:
        assert display_width(line.text) * line.width <= profile.paper.columns
        assert all(ord(char) >= 0x20 for char in line.text)
    if profile.qr.mode == "native":
        assert [qr.data for qr in decoded.qr_printed] == [b"weixin://wxpay/bizpayurl?pr=x"]
    else:
        assert decoded.qr_printed == [] and decoded.images
