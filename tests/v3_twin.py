"""Helpers for layer-versus-torch tests: a v3_nn module and its torch twin with the same
weights (through state_dict), run in float64 on the same input, compared value for value.

`assert_twins(ours, theirs, *arrays)` checks state_dict keys and shapes, outputs, the
gradient of every input and every parameter. `assert_same_error(fn)` runs fn(lib) with
torch and with v2_tensor / v3_nn and asserts both raise the same exception type.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

import v2_tensor as vt
import v3_nn as nn

TOL = dict(rtol=1e-10, atol=1e-10)


def numpy(x) -> np.ndarray:
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.array)


def assert_same_state(ours: nn.Module, theirs: torch.nn.Module) -> None:
    """Identical state_dict keys (in order), shapes and dtypes."""
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in ours_state.items():
        assert value.shape == tuple(theirs_state[key].shape), key
        assert value.dtype == theirs_state[key].numpy().dtype, key


def copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    """float64 both, ours' state copied into theirs (weights move v3_nn -> torch)."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})


def assert_twins(
    ours: nn.Module,
    theirs: torch.nn.Module,
    *arrays: np.ndarray,
    seed: int = 1,
    forward_kwargs: dict | None = None,
    grads: bool = True,
) -> None:
    """Same output, same input gradients, same parameter gradients, in float64."""
    assert_same_state(ours, theirs)
    copy_weights(ours, theirs)
    kwargs = forward_kwargs or {}
    ours_in = [vt.tensor(a, requires_grad=grads) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=grads) for a in arrays]
    y_ours, y_theirs = ours(*ours_in, **kwargs), theirs(*theirs_in, **kwargs)
    if isinstance(y_theirs, tuple):  # (values, indices): compare the rest exactly
        for a, b in zip(y_ours[1:], y_theirs[1:], strict=True):
            np.testing.assert_array_equal(numpy(a), numpy(b))
        y_ours, y_theirs = y_ours[0], y_theirs[0]
    assert y_ours.shape == tuple(y_theirs.shape)
    np.testing.assert_allclose(numpy(y_ours), numpy(y_theirs), **TOL)
    if not grads:
        return
    grad_y = np.random.default_rng(seed).standard_normal(y_theirs.shape)
    y_ours.backward(vt.tensor(grad_y))
    y_theirs.backward(torch.from_numpy(grad_y))
    for i, (a, b) in enumerate(zip(ours_in, theirs_in, strict=True)):
        np.testing.assert_allclose(numpy(a.grad), numpy(b.grad), err_msg=f"input {i}", **TOL)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        expected = theirs_params[name].grad
        if expected is None:
            assert param.grad is None or not np.any(param.grad.array), name
            continue
        np.testing.assert_allclose(numpy(param.grad), numpy(expected), err_msg=name, **TOL)


def assert_same_error(fn: Callable, match: str | None = None) -> type[BaseException]:
    """fn(lib, F) raises the same exception type with lib = torch and lib = v2_tensor.

    F is torch.nn.functional or v3_nn.functional, and nn the module namespace, passed as
    fn(lib, F, nn). Returns the type; `match` is searched in our message.
    """
    expected = got = None
    try:
        fn(torch, torch.nn.functional, torch.nn)
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        expected = type(error)
    try:
        fn(vt, nn.functional, nn)
    except Exception as error:  # noqa: BLE001
        got = error
    assert expected is not None, "torch accepted it"
    assert got is not None, f"torch raised {expected.__name__}, we accepted it"
    assert type(got) is expected, (expected, type(got), str(got))
    if match is not None:
        import re

        assert re.search(match, str(got)), str(got)
    return expected
