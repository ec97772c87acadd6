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
