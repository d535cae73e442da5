"""v3_nn.Module and Parameter: registration, traversal order, state_dict both ways with torch."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import v2_tensor as vt
from v3_nn import Module, Parameter

# ---- a small model built only from Module/Parameter, and its torch twin ----------------------


class Affine(Module):
    """Registers exactly like torch.nn.Linear: weight (out, in), then bias or a None slot."""

    def __init__(self, n_in: int, n_out: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = n_in, n_out
        self.weight = Parameter(np.random.default_rng(n_in).standard_normal((n_out, n_in)))
        if bias:
            self.bias = Parameter(np.random.default_rng(n_out).standard_normal(n_out))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Stats(Module):
    """Registers like torch.nn.BatchNorm1d: weight, bias, then three buffers."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.weight = Parameter(np.ones(n))
        self.bias = Parameter(np.zeros(n))
        self.register_buffer("running_mean", vt.Tensor(np.zeros(n)))
        self.register_buffer("running_var", vt.Tensor(np.ones(n)))
        self.register_buffer("num_batches_tracked", vt.Tensor(np.array(0, dtype=np.int64)))
        self.register_buffer("scratch", vt.Tensor(np.zeros(n)), persistent=False)


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = Affine(3, 5)
        self.norm = Stats(5)
        self.blocks = Module()
        self.blocks.add_module("0", Affine(5, 4))
        self.blocks.add_module("1", Affine(4, 4))
        self.fc2 = Affine(4, 2, bias=False)

    def forward(self, x):
        h = (self.fc1(x) * self.norm.weight + self.norm.bias).relu()
        for block in self.blocks.children():
            h = block(h).tanh()
        return self.fc2(h)


def torch_net() -> torch.nn.Module:
    net = torch.nn.Module()
    net.fc1 = torch.nn.Linear(3, 5)
    net.norm = torch.nn.BatchNorm1d(5)
    net.blocks = torch.nn.Module()
    net.blocks.add_module("0", torch.nn.Linear(5, 4))
    net.blocks.add_module("1", torch.nn.Linear(4, 4))
    net.fc2 = torch.nn.Linear(4, 2, bias=False)
    return net.double()


def torch_forward(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    h = torch.relu(net.fc1(x) * net.norm.weight + net.norm.bias)
    for block in net.blocks.children():
        h = torch.tanh(block(h))
    return net.fc2(h)


# ---- registration and traversal ---------------------------------------------------------------


def test_names_and_order_match_torch():
    ours, theirs = Net(), torch_net()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] + [
        "norm.scratch"
    ]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, ours_value), their_value in zip(
        ours.state_dict().items(), theirs.state_dict().values(), strict=True
    ):
        assert ours_value.shape == tuple(their_value.shape), key
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 9
    assert len(list(ours.modules())) == 7
    assert len(list(ours.parameters(recurse=False))) == 0


def test_weights_move_both_ways_through_state_dict():
    ours, theirs = Net(), torch_net()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((6, 3))
    xt = torch.tensor(x, requires_grad=True)
    xv = vt.tensor(x, requires_grad=True)
    out_t, out_v = torch_forward(theirs, xt), ours(xv)
    np.testing.assert_allclose(out_v.array, out_t.detach().numpy(), rtol=0, atol=1e-12)
    weights = torch.tensor(np.random.default_rng(2).standard_normal((6, 2)))
    (out_t * weights).sum().backward()
    (out_v * vt.tensor(weights.numpy())).sum().backward()
    np.testing.assert_allclose(xv.grad.array, xt.grad.numpy(), rtol=0, atol=1e-12)
    for (name, p_v), (_, p_t) in zip(
        ours.named_parameters(), theirs.named_parameters(), strict=True
    ):
        np.testing.assert_allclose(
            p_v.grad.array, p_t.grad.numpy(), rtol=0, atol=1e-12, err_msg=name
        )

    # and back: torch's fresh weights into a fresh v3_nn model
    other = torch_net()
    ours.load_state_dict(other.state_dict())
    for key, value in other.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())


def test_shared_module_and_parameter_listed_once_but_saved_under_both_names():
    net = Net()
    net.alias = net.fc1
    assert [n for n, _ in net.named_modules()].count("alias") == 0
    assert len(list(net.parameters())) == 9
    assert "alias.weight" in net.state_dict()
    torch_twin = torch_net()
    torch_twin.alias = torch_twin.fc1
    assert list(net.state_dict()) == list(torch_twin.state_dict())


def test_attribute_assignment_registers_and_reassignment_keeps_order():
    m = Affine(2, 3)
    m.weight = Parameter(np.zeros((3, 2)))
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert "bias" not in m.state_dict()
    m.extra = Parameter(np.zeros(1))
    assert [n for n, _ in m.named_parameters()] == ["weight", "extra"]
    del m.extra
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.plain = 3
    assert m.plain == 3 and "plain" not in m.state_dict()
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = m.missing


def test_registration_errors():
    m = Affine(2, 3)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = np.zeros((3, 2))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("weight", vt.Tensor(np.zeros(1)))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("child", 3)

    class Early(Module):
        def __init__(self):
            self.weight = Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\)"):
        Early()


def test_forward_missing_is_a_clear_error():
    with pytest.raises(
        NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'
    ):
        Module()(1)


def test_parameter_is_a_trainable_tensor():
    p = Parameter(np.arange(3.0))
    assert isinstance(p, vt.Tensor) and p.requires_grad
    assert not Parameter(np.arange(3.0), requires_grad=False).requires_grad
    t = vt.tensor([1.0, 2.0])
    assert Parameter(t).array is t.array
    assert repr(p).startswith("Parameter containing:\n")
    assert {p: 1}[p] == 1  # hashable by identity, as optimizer state needs


# ---- load_state_dict errors: named keys and shapes, nothing changed ---------------------------


def _snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _assert_unchanged(module, before):
    after = module.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)


def test_wrong_shape_names_key_and_both_shapes_and_changes_nothing():
    net = Net()
    before = _snapshot(net)
    bad = {k: v + 1 for k, v in before.items()}
    bad["blocks.1.weight"] = np.zeros((4, 3))
    with pytest.raises(RuntimeError, match=r"blocks\.1\.weight.*\(4, 3\).*\(4, 4\)"):
        net.load_state_dict(bad)
    _assert_unchanged(net, before)


def test_missing_and_unexpected_keys():
    net = Net()
    before = _snapshot(net)
    partial = {k: v + 1 for k, v in before.items() if k != "fc1.bias"}
    with pytest.raises(RuntimeError, match='Missing key.*"fc1.bias"'):
        net.load_state_dict(partial)
    _assert_unchanged(net, before)
    extra = {**{k: v + 1 for k, v in before.items()}, "fc3.weight": np.zeros(2)}
    with pytest.raises(RuntimeError, match='Unexpected key.*"fc3.weight"'):
        net.load_state_dict(extra)
    _assert_unchanged(net, before)

    result = net.load_state_dict(extra, strict=False)
    assert result.unexpected_keys == ["fc3.weight"] and result.missing_keys == []
    np.testing.assert_array_equal(net.fc1.bias.array, before["fc1.bias"] + 1)
    result = net.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["fc1.bias"]
    assert repr(net.load_state_dict(before)) == "<All keys matched successfully>"


def test_non_numeric_value_refused():
    net = Net()
    state = net.state_dict()
    state["fc1.bias"] = np.array(["a"] * 5)
    with pytest.raises(RuntimeError, match="fc1.bias.*non-numeric"):
        net.load_state_dict(state)


def test_unreadable_or_complex_values_name_the_key_and_change_nothing():
    net = Net()
    before = _snapshot(net)
    twin = torch_net()
    twin.load_state_dict({k: torch.as_tensor(v + 1) for k, v in before.items()})
    needs_grad = {**twin.state_dict(), "fc1.weight": twin.fc1.weight}  # requires_grad=True
    net.load_state_dict(needs_grad)  # as torch's load_state_dict, which copies under no_grad
    np.testing.assert_array_equal(net.fc1.weight.array, before["fc1.weight"] + 1)
    net.load_state_dict(before)
    bfloat16 = {**twin.state_dict(), "fc2.weight": twin.fc2.weight.detach().bfloat16()}
    with pytest.raises(RuntimeError, match="'fc2.weight' cannot be read as a NumPy array"):
        net.load_state_dict(bfloat16)
    _assert_unchanged(net, before)
    complex_bias = {**before, "fc1.bias": before["fc1.bias"] + 1j}
    with pytest.raises(RuntimeError, match="'fc1.bias' holds complex data, the model's is float64"):
        net.load_state_dict(complex_bias)
    _assert_unchanged(net, before)


def test_load_copies_in_place_and_keeps_dtype():
    net = Net().float()
    weight = net.fc1.weight.array
    net.load_state_dict({k: np.asarray(v, dtype=np.float64) for k, v in net.state_dict().items()})
    assert net.fc1.weight.array is weight and weight.dtype == np.float32
    assert net.norm.num_batches_tracked.array.dtype == np.int64


def test_state_dict_holds_detached_tensors_sharing_memory_as_torch():
    net, twin = Net(), torch_net()
    for model in (net, twin):
        saved = model.state_dict()
        assert type(saved) is OrderedDict
        weight = saved["fc1.weight"]
        assert not weight.requires_grad and weight.grad_fn is None
        with (torch if model is twin else vt).no_grad():
            model.fc1.weight.add_(1)
        np.testing.assert_array_equal(np.asarray(weight), model.fc1.weight.detach().numpy())
        assert saved["fc1.weight"]._version == model.fc1.weight._version  # one counter
        assert model.state_dict(keep_vars=True)["fc1.weight"] is model.fc1.weight
        assert list(model.state_dict(prefix="net.")) == ["net." + k for k in saved]


# ---- modes, gradients, dtypes, repr -------------------------------------------------------------


def test_train_eval_reach_every_module():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_float_and_double_cast_floating_state_only():
    net = Net().float()
    assert {p.array.dtype for p in net.parameters()} == {np.dtype(np.float32)}
    assert net.norm.running_mean.array.dtype == np.float32
    assert net.norm.num_batches_tracked.array.dtype == np.int64
    net.fc1.weight.grad = vt.Tensor(np.ones((5, 3), dtype=np.float32))
    net.double()
    assert {p.array.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    assert net.fc1.weight.grad.array.dtype == np.float64
    assert net.norm.num_batches_tracked.array.dtype == np.int64


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(vt.tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.array.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Affine", "Stats", "Affine", "Affine", "Module", "Affine", "Net"]


def test_repr_matches_torch_layout():
    net = Net()
    expected = (
        "Net(\n"
        "  (fc1): Affine(in_features=3, out_features=5, bias=True)\n"
        "  (norm): Stats()\n"
        "  (blocks): Module(\n"
        "    (0): Affine(in_features=5, out_features=4, bias=True)\n"
        "    (1): Affine(in_features=4, out_features=4, bias=True)\n"
        "  )\n"
        "  (fc2): Affine(in_features=4, out_features=2, bias=False)\n"
        ")"
    )
    assert repr(net) == expected
    torch_repr = repr(torch_net())
    assert torch_repr.count("\n") == expected.count("\n")
