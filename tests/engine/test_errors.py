"""Engine validation errors carry the request field they are about (engine/errors.py), stay
ValueErrors for existing callers, and keep their message text."""
import pickle

import numpy as np
import pytest

from encke.engine.constants import J2000_JD
from encke.engine.conics import elements_to_state, state_to_elements
from encke.engine.elements import CometaryElements
from encke.engine.ephemeris import EphemerisCoverageError
from encke.engine.errors import InvalidInput
from encke.engine.observe import observe_states
from encke.engine.propagate import propagate

EL = CometaryElements(q=[1.0, 2.0], e=[0.5, 1.2], i=[0.1, 0.2], node=[0.3, 0.4], argp=[0.5, 0.6],
                      tp=[J2000_JD, J2000_JD + 10])


@pytest.mark.parametrize("kwargs, field", [
    ({"model": "warp"}, "model"), ({"frame": "galactic"}, "frame"), ({"center": "earth"}, "center"),
    ({"mu": -1.0}, "mu"), ({"max_lanes": 0}, "max_lanes"), ({"times": np.zeros((2, 2)) + J2000_JD}, "times"),
    ({"times": ["not a date"]}, "times"), ({"times": [np.nan]}, "times"), ({"times": [1e6], "center": "ssb"}, "times"),
])
def test_propagate_errors_name_their_field(kwargs, field):
    kwargs = {"times": [J2000_JD], **kwargs}
    with pytest.raises(InvalidInput) as info:
        propagate(EL, **kwargs)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert str(info.value)  # a message for a person, not empty


def test_conic_and_element_errors_name_their_field():
    with pytest.raises(InvalidInput) as info:
        elements_to_state(EL)  # no epoch in the elements and no t
    assert info.value.field == "elements.epoch"
    with pytest.raises(InvalidInput) as info:
        state_to_elements(np.zeros((2, 5)), J2000_JD)
    assert info.value.field == "states"
    with pytest.raises(InvalidInput) as info:
        CometaryElements(q=[1.0, 2.0], e=[0.1, 0.2], i=0.0, node=0.0, argp=0.0, tp=J2000_JD, A1=[1e-8, 0, 0])
    assert info.value.field == "elements.A1"


def test_observe_errors_name_their_field():
    with pytest.raises(InvalidInput) as info:
        observe_states(np.zeros((2, 3, 6)), [J2000_JD, J2000_JD + 1], "500")
    assert info.value.field == "states"
    with pytest.raises(InvalidInput) as info:
        observe_states(np.zeros((2, 1, 6)), [J2000_JD], "500", H=[1.0, 2.0, 3.0])
    assert info.value.field == "H"


def test_coverage_error_is_a_times_error_and_pickles():
    with pytest.raises(EphemerisCoverageError) as info:
        propagate(EL, [1e6], center="ssb")
    assert info.value.field == "times" and "outside" in str(info.value)
    copy = pickle.loads(pickle.dumps(info.value))
    assert (type(copy), copy.field, str(copy)) == (EphemerisCoverageError, "times", str(info.value))
    plain = pickle.loads(pickle.dumps(InvalidInput("model", "model must be kepler or nbody")))
    assert (plain.field, str(plain)) == ("model", "model must be kepler or nbody")
