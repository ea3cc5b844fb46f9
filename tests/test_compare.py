"""The comparison of numbers: the tolerance test is NumPy's ``isclose``, element for element."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.runtime.compare import _isclose, compare

EDGES = [0.0, -0.0, 5e-324, 1e-300, 1e300, np.inf, -np.inf, np.nan, 1.0, 1.0 + 1e-9, -1.0]
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(EDGES)


@settings(max_examples=500, deadline=None)
@given(arrays(np.float64, st.integers(0, 8), elements=NUMBERS), st.data(),
       st.sampled_from([0.0, 1e-7, 1e-3]), st.sampled_from([0.0, 1e-9, 1e-5]), st.booleans())
def test_close_is_numpys_isclose(got, data, rtol, atol, nan_equal):
    expected = data.draw(arrays(np.float64, got.shape, elements=NUMBERS))
    with np.errstate(all="ignore"):
        want = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=nan_equal)
    np.testing.assert_array_equal(_isclose(got, expected, rtol, atol, nan_equal), want)


def test_an_infinite_expectation_is_met_only_by_the_same_infinity():
    assert compare(np.array([1e308]), np.array([np.inf]), 1e-7, 1e-9) is not None
    assert compare(np.array([np.inf]), np.array([np.inf]), 1e-7, 1e-9) is None
    assert compare(np.array([-np.inf]), np.array([np.inf]), 1e-7, 1e-9) is not None
    assert compare(np.array([np.nan]), np.array([np.nan]), 1e-7, 1e-9) is not None
    assert compare(np.array([np.nan]), np.array([np.nan]), 1e-7, 1e-9, nan_equal=True) is None
