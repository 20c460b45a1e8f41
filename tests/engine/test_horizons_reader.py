"""engine/sources/horizons.py: what it reads from Horizons text, and what it refuses."""
import numpy as np
import pytest

from encke.engine.sources import horizons


def test_halley_header_and_vectors(shared_data):
    # the values themselves are checked where they are used: the N-body Halley test lands
    # within 10 km of these rows from these elements, the ephemeris tests within 1 km of the
    # planets' rows
    text = (shared_data / "horizons" / "horizons-1P-Halley-vectors-1986.txt").read_text()
    el = horizons.header_elements(text)
    t, states = horizons.read_vectors(text)
    assert states.shape == (183, 6) and np.all(np.diff(t) > 0)
    assert 0.9 < el.e[0] < 1.0 and np.degrees(el.i[0]) > 90  # elongated and retrograde
    assert el.A1[0] > 0 and el.A2[0] > 0 and el.A3[0] == 0 and el.DT[0] == 0
    assert el.tp[0] < t[-1] < el.epoch[0]  # the 1986 perihelion is inside the table, the epoch after it
    r = np.linalg.norm(states[:, :3], axis=1)
    assert abs(r.min() - el.q[0]) < 0.01  # perihelion distance, to the Sun's offset from the barycentre


def test_a_table_without_vectors_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"\$\$SOE"):
        horizons.read_vectors("JPL/HORIZONS 1P/Halley\nno table here\n")
    text = "$$SOE\n2446431.5 = A.D. 1986-Jan-01 00:00:00.0000 TDB\n X = 1.0E+00 Y = 2.0E+00 Z = 3.0E+00\n$$EOE\n"
    with pytest.raises(ValueError, match="1 positions and 0 velocities"):
        horizons.read_vectors(text)


def test_a_header_without_an_element_names_it(shared_data):
    text = (shared_data / "horizons" / "horizons-1P-Halley-vectors-1986.txt").read_text()
    with pytest.raises(ValueError, match="QR="):
        horizons.header_elements(text.replace("QR=", "Q?="))
    # no non-gravitational block: A1..DT are 0
    plain = horizons.header_elements("\n".join(line for line in text.splitlines() if "A1=" not in line))
    assert plain.A1[0] == 0 and plain.A2[0] == 0
