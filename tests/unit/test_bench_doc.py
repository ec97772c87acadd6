"""`make bench` rewrites the figures of docs/benchmarks.md and keeps the reading around them."""
from bench.__main__ import END, START, write


def test_the_figures_are_replaced_and_the_reading_kept(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Title\n\n{START}\nold figures\n{END}\n\n## Reading the figures\nprose\n")
    write(doc, "new figures\n")
    assert doc.read_text() == (f"# Title\n\n{START}\nnew figures\n{END}\n\n"
                               "## Reading the figures\nprose\n")


def test_a_document_without_markers_gets_them_above_what_it_had(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("notes\n")
    write(doc, "figures\n")
    assert doc.read_text() == f"{START}\nfigures\n{END}\n\nnotes\n"
    write(tmp_path / "new.md", "figures\n")
    assert (tmp_path / "new.md").read_text() == f"{START}\nfigures\n{END}\n"


def test_the_gateway_s_section_is_rewritten_alone_and_the_others_stay(tmp_path):
    from bench import gateway, soak

    doc = tmp_path / "benchmarks.md"
    sections = [(START, END), (gateway.START, gateway.END), (soak.START, soak.END)]
    doc.write_text("".join(f"{start}\nold\n{end}\nprose\n" for start, end in sections))
    write(doc, "gateway figures\n", gateway.START, gateway.END)
    assert doc.read_text() == (f"{START}\nold\n{END}\nprose\n"
                               f"{gateway.START}\ngateway figures\n{gateway.END}\nprose\n"
                               f"{soak.START}\nold\n{soak.END}\nprose\n")
