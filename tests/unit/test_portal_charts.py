"""The portal's charts as a reader (and a printer) gets them: every figure written on the
drawing, series told apart without colour, a company's own text never run as markup."""
import xml.etree.ElementTree as ET

import pytest

from services.gateway.portal.charts import bars, compact, months, realisation

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 360 ") and root.get("width") is None
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


def test_spending_per_tier_shows_each_label_and_its_rupiah():
    svg = bars([("Tier A", 840_000_000), ("Tier B", 610_500_000), ("Tier C", 0)],
               title="Belanja per tier")
    root = parsed(svg)
    assert root.find(f"{SVG}title").text == "Belanja per tier"
    shown = texts(root)
    for label, value in (("Tier A", "Rp840.000.000"), ("Tier B", "Rp610.500.000"),
                         ("Tier C", "Rp0")):
        assert label in shown and value in shown
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert widths[0] > widths[1] > widths[2] == 0
    assert "Tier B: Rp610.500.000" in root.find(f"{SVG}desc").text


def test_a_count_is_written_as_a_number_not_money():
    root = parsed(bars([("online", 12_500)], title="Media", unit="count"))
    assert "12.500" in texts(root)
    with pytest.raises(ValueError):
        bars([("online", 1)], title="Media", unit="dollars")


def test_a_label_with_a_script_comes_out_as_text():
    hostile = '<script>alert("x")</script> & Co'
    svg = bars([(hostile, 1_000_000)], title="<b>judul</b>")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = parsed(svg)
    assert hostile in texts(root)
    assert root.find(f"{SVG}title").text == "<b>judul</b>"


def test_a_long_activity_name_is_wrapped_and_not_lost():
    name = ("Penyebarluasan informasi penyelenggaraan pemerintahan daerah melalui media "
            "massa cetak dan elektronik")
    root = parsed(bars([(name, 5)], title="Belanja"))
    lines = texts(root)[1:-1]  # between the heading and the value
    assert len(lines) == 3 and " ".join(lines) == name
    cut = parsed(bars([(name * 2, 5)], title="Belanja"))
    assert texts(cut)[3].endswith("…") and name * 2 in cut.find(f"{SVG}desc").text


def test_realisation_shows_realised_against_ceiling_and_marks_overspending():
    root = parsed(realisation([
        {"name": "Publikasi media daring", "ceiling": 1_200_000_000, "realised": 900_000_000},
        {"name": "Iklan layanan masyarakat", "ceiling": 400_000_000, "realised": 450_000_000},
        {"name": "Cadangan", "ceiling": 0, "realised": 0},
    ], "id"))
    shown = texts(root)
    assert "Rp900.000.000 dari Rp1.200.000.000 (75,0%)" in shown
    assert "Rp450.000.000 dari Rp400.000.000 (112,5%)" in shown and "MELEBIHI PAGU" in shown
    assert "Rp450.000.000 dari Rp400.000.000 (112,5%) MELEBIHI PAGU" in root.find(f"{SVG}desc").text
    assert "Rp0 dari Rp0 (tanpa pagu)" in shown
    over = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "over"]
    assert len(over) == 1
    assert root.find(f"{SVG}title").text == "Realisasi anggaran per kegiatan"


def test_realisation_in_english():
    root = parsed(realisation([{"name": "Online", "ceiling": 200, "realised": 250}], "en"))
    assert {"Rp250 of Rp200 (125,0%)", "OVER CEILING"} <= set(texts(root))


def test_months_draw_twelve_columns_per_series_with_a_legend_and_exact_tooltips():
    committed = [0, 0, 120_000_000, 80_000_000, 0, 0, 0, 0, 0, 0, 0, 2_450_000]
    paid = [0] * 3 + [100_000_000] + [0] * 8
    root = parsed(months({"Komitmen": committed, "Dibayar": paid}, "Realisasi per bulan"))
    columns = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "column"]
    assert len(columns) == 24
    tips = [c.find(f"{SVG}title").text for c in columns]
    assert "Komitmen, Maret: Rp120.000.000" in tips
    assert "Dibayar, April: Rp100.000.000" in tips
    shown = texts(root)
    assert {"Komitmen", "Dibayar", "Jan", "Agu", "Des", "120 jt"} <= set(shown)
    fills = {c.get("fill") for c in columns}
    assert len(fills) == 2  # two hatchings, not two colours


def test_months_want_one_value_per_month():
    with pytest.raises(ValueError, match="12"):
        months({"Dibayar": [1, 2, 3]}, "t")


def test_two_charts_on_one_page_do_not_share_pattern_ids():
    one, two = bars([("a", 1)], title="x"), bars([("a", 2)], title="x")
    ids = [{p.get("id") for p in parsed(svg).iter(f"{SVG}pattern")} for svg in (one, two)]
    assert ids[0] and not ids[0] & ids[1]


def test_compact_amounts_under_a_column():
    assert compact(1_500_000_000) == "1,5 M"
    assert compact(250_000_000) == "250 jt"
    assert compact(1_500_000_000, "en") == "1.5B"
    assert compact(999) == "999"


def test_ordered_and_paid_per_tier_stand_one_under_another_each_its_own_hatching():
    root = parsed(bars([("Tingkat A", (840_000_000, 600_000_000)), ("Tingkat B", (0, 0))],
                       title="Belanja per tingkat", series=("Nilai pesanan", "Dibayar (DPP)")))
    shown = texts(root)
    assert {"Nilai pesanan", "Dibayar (DPP)", "Rp840.000.000", "Rp600.000.000"} <= set(shown)
    bars_ = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars_) == 4 and len({b.get("fill") for b in bars_}) == 2
    assert float(bars_[0].get("y")) < float(bars_[1].get("y")) < float(bars_[2].get("y"))
    assert ("Tingkat A: Nilai pesanan Rp840.000.000, Dibayar (DPP) Rp600.000.000"
            in root.find(f"{SVG}desc").text)
    with pytest.raises(ValueError, match="2 series"):
        bars([("Tingkat A", (1,))], title="t", series=("a", "b"))


def test_a_month_reversed_below_zero_hangs_under_the_zero_line():
    paid = [0, 0, 100_000_000] + [0] * 9
    paid[3] = -40_000_000  # March's SP2D returned in April
    root = parsed(months({"Publikasi": paid}, "Realisasi per bulan"))
    zero = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "zero")
    zero_y = float(zero.get("d").split(",")[1].split(" ")[0])
    columns = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "column"]
    march, april = columns[2], columns[3]
    assert float(march.get("y")) + float(march.get("height")) == pytest.approx(zero_y, abs=0.1)
    assert float(april.get("y")) == pytest.approx(zero_y, abs=0.1)
    assert float(march.get("height")) == pytest.approx(2.5 * float(april.get("height")), rel=0.01)
    assert april.find(f"{SVG}title").text == "Publikasi, April: -Rp40.000.000"
    assert {"-40 jt", "100 jt"} <= set(texts(root))


def test_a_long_activity_name_in_the_legend_is_wrapped_inside_the_drawing():
    name = "Publikasi dan diseminasi informasi pemerintah daerah"
    root = parsed(months({name: [1] * 12, "Penyiaran": [2] * 12}, "Realisasi per bulan"))
    shown = texts(root)
    assert name not in shown and " ".join(shown[1:3]) == name
    assert all(len(line) <= 42 for line in shown)
