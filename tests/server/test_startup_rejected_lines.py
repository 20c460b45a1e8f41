"""The server says at start-up how many catalog lines it rejected, and why (issue 16, defect 14)."""
import encke
from encke.server.service import Service


def test_rejected_lines_are_reported_when_the_server_starts(catalog_file, start_server, capsys):
    lines = [line for line in catalog_file.read_text().split("\n") if line.strip()]
    text = "\n".join(lines[:20] + [lines[3], lines[5][:60], "not a comet"] + lines[20:40]) + "\n"
    catalog = encke.read_comets(text)
    assert len(catalog.rejected) == 3
    start_server(Service(catalog))
    err = capsys.readouterr().err
    assert f"encke: warning: catalog 3 lines rejected in <text> (line 21: duplicate: {catalog[3].designation} " in err
    assert "line 22: line truncated: " in err and "line 23: line truncated: 11 characters" in err
