"""Optimizer steps write straight into the parameter's array: its version still counts each
step (as torch's `_version`), a parameter that is a view still writes through to its base,
and the values are torch's."""

import numpy as np
import torch

import v2_tensor as vt
import v3_nn as nn


def test_adamw_step_bumps_the_version_like_torch_and_matches_its_values():
    w0 = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ours = nn.Parameter(vt.tensor(w0))
    theirs = torch.nn.Parameter(torch.tensor(w0))
    opt = nn.optim.AdamW([ours], lr=0.1)
    topt = torch.optim.AdamW([theirs], lr=0.1)
    for _ in range(3):
        (ours * ours).sum().backward()
        (theirs * theirs).sum().backward()
        before, tbefore = ours._version, theirs._version
        opt.step()
        topt.step()
        assert ours._version - before == theirs._version - tbefore
        opt.zero_grad()
        topt.zero_grad()
    assert ours.array.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_a_view_parameter_still_writes_through_to_its_base():
    base = vt.zeros(2, 3)
    view = base[0]
    view.requires_grad_(True)
    view.grad = vt.ones(3)
    nn.optim.SGD([view], lr=0.5).step()
    np.testing.assert_array_equal(base.array[0], [-0.5, -0.5, -0.5])
    np.testing.assert_array_equal(base.array[1], [0.0, 0.0, 0.0])
