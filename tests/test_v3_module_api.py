"""The Module API against torch.nn.Module: Parameter, to()/dtype casts, traversal, lookup by
name, state_dict/load_state_dict (assign, strict, torch/NumPy/our values), hooks (recorded in
the same order under both libraries, with the same gradients), and the containers."""

# ruff: noqa: B023  (hooks record into the list of the loop iteration that registers them)

import inspect
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn as nn


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.array)


def _libs():
    return [(nn, vt), (torch.nn, torch)]


def _net(lib):
    net = lib.Sequential(
        OrderedDict(
            fc=lib.Linear(3, 4), bn=lib.BatchNorm1d(4), act=lib.Tanh(), out=lib.Linear(4, 2)
        )
    )
    return net


# ---- Parameter --------------------------------------------------------------------------------


def test_parameter_semantics_match_torch():
    for lib_nn, lib in _libs():
        data = lib.tensor([1.0, 2.0])
        param = lib_nn.Parameter(data)
        assert param.requires_grad and param.is_leaf
        data.add_(1)  # the same memory and version counter as the tensor it wraps
        assert param.tolist() == [2.0, 3.0] and param._version == data._version == 1
        empty = lib_nn.Parameter()
        assert tuple(empty.shape) == (0,) and str(empty.dtype).endswith("float32")
        assert not lib_nn.Parameter(lib.zeros(2), requires_grad=False).requires_grad
        computed = lib.tensor([1.0], requires_grad=True) * 2
        assert lib_nn.Parameter(computed).is_leaf  # a Parameter is a leaf, whatever it wraps
        with pytest.raises(RuntimeError):
            lib_nn.Parameter(lib.tensor([1, 2]))  # integers cannot require grad
    assert repr(nn.Parameter(vt.tensor([1.0, 2.0]))) == repr(
        torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    )


# ---- dtypes and devices ------------------------------------------------------------------------


def test_to_casts_floating_state_and_keeps_identity_as_torch():
    for lib_nn, lib in _libs():
        net = _net(lib_nn)
        weight = net.fc.weight
        net(lib.ones(2, 3)).sum().backward()
        assert net.to(lib.float64) is net
        assert net.fc.weight is weight and weight.dtype == lib.float64
        assert weight.grad.dtype == lib.float64
        assert net.bn.running_mean.dtype == lib.float64
        assert net.bn.num_batches_tracked.dtype == lib.int64  # integers keep their dtype
        net.to("cpu")
        net.to(lib.device("cpu"), dtype=lib.float32)
        assert weight.dtype == lib.float32
        net.to(lib.zeros(1, dtype=lib.float64))  # to(tensor): its dtype
        assert weight.dtype == lib.float64
        net.to(device="cpu", dtype=lib.float16, non_blocking=True)
        assert weight.dtype == lib.float16
        assert net.float().fc.weight.dtype == lib.float32
        assert net.half().fc.weight.dtype == lib.float16
        assert net.double().fc.weight.dtype == lib.float64
        assert net.cpu() is net
        with pytest.raises(TypeError, match="only accepts floating point"):
            net.to(lib.int64)
        with pytest.raises(RuntimeError):
            net.to("cuda")
        with pytest.raises(RuntimeError):
            net.cuda()
        net.type(lib.float32)  # type() casts every tensor, integer buffers too
        assert net.bn.num_batches_tracked.dtype == lib.float32
    with pytest.raises(RuntimeError, match="cuda.*not available"):
        nn.Linear(2, 2).to("cuda:0")


# ---- traversal and lookup ---------------------------------------------------------------------


class _Shared:
    @staticmethod
    def build(lib_nn, lib):
        root = lib_nn.Module()
        root.a = lib_nn.Linear(2, 2)
        root.b = lib_nn.Sequential(root.a, lib_nn.ReLU())
        root.register_buffer("steps", lib.zeros(1))
        root.register_buffer("cache", lib.zeros(2), persistent=False)
        root.register_parameter("scale", lib_nn.Parameter(lib.ones(1)))
        root.register_module("head", lib_nn.Linear(2, 1))
        root.add_module("empty", None)
        return root


def test_traversal_matches_torch():
    ours, theirs = _Shared.build(nn, vt), _Shared.build(torch.nn, torch)
    for method, kwargs in [
        ("named_modules", {}),
        ("named_modules", {"prefix": "m", "remove_duplicate": False}),
        ("named_children", {}),
        ("named_parameters", {}),
        ("named_parameters", {"prefix": "x", "recurse": False}),
        ("named_parameters", {"remove_duplicate": False}),
        ("named_buffers", {}),
        ("named_buffers", {"prefix": "p", "recurse": False}),
    ]:
        got = [name for name, _ in getattr(ours, method)(**kwargs)]
        expected = [name for name, _ in getattr(theirs, method)(**kwargs)]
        assert got == expected, (method, kwargs)
    assert len(list(ours.modules(remove_duplicate=False))) == len(
        list(theirs.modules(remove_duplicate=False))
    )
    assert len(list(ours.buffers())) == len(list(theirs.buffers())) == 2
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "cache" not in ours.state_dict()


def test_lookup_by_dotted_name_matches_torch():
    for lib_nn, lib in _libs():
        root = _Shared.build(lib_nn, lib)
        assert root.get_submodule("") is root
        assert root.get_submodule("b.0") is root.a
        assert root.get_parameter("b.0.weight") is root.a.weight
        assert root.get_buffer("steps") is root.steps
        root.set_submodule("b.1", lib_nn.Tanh())
        assert type(root.b[1]).__name__ == "Tanh"
    messages = []
    for lib_nn, lib in _libs():
        root = _Shared.build(lib_nn, lib)
        caught = []
        for call in (
            lambda: root.get_submodule("b.5"),
            lambda: root.get_submodule("a.weight"),
            lambda: root.get_parameter("a.nothing"),
            lambda: root.get_parameter("steps"),
            lambda: root.get_buffer("scale"),
        ):
            with pytest.raises(AttributeError) as error:
                call()
            caught.append(str(error.value))
        messages.append(caught)
    assert messages[0] == messages[1]


def test_registration_errors_match_torch():
    for lib_nn, lib in _libs():
        module = lib_nn.Linear(2, 2)
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            module.register_buffer("weight", lib.zeros(1))
        with pytest.raises(KeyError, match="contain"):
            module.register_buffer("a.b", lib.zeros(1))
        with pytest.raises(KeyError, match="empty string"):
            module.register_parameter("", None)
        with pytest.raises(TypeError, match="should be a string"):
            module.add_module(3, lib_nn.ReLU())
        with pytest.raises(TypeError, match="is not a Module subclass"):
            module.add_module("x", 3)
        with pytest.raises(TypeError, match="cannot assign"):
            module.bias = lib.zeros(2)


def test_modes_gradients_and_requires_grad_as_torch():
    for lib_nn, lib in _libs():
        net = _net(lib_nn)
        assert net.eval() is net and not any(m.training for m in net.modules())
        net.train()
        assert all(m.training for m in net.modules())
        with pytest.raises(ValueError, match="boolean"):
            net.train("yes")
        net(lib.ones(2, 3)).sum().backward()
        net.zero_grad()  # torch's default: set_to_none=True
        assert all(p.grad is None for p in net.parameters())
        net(lib.ones(2, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        assert all(not np.any(_np(p.grad)) for p in net.parameters())
        assert net.requires_grad_(False) is net
        assert not any(p.requires_grad for p in net.parameters())


def test_apply_and_extra_repr():
    for lib_nn, _ in _libs():
        seen = []
        _net(lib_nn).apply(lambda m: seen.append(type(m).__name__))
        assert seen == ["Linear", "BatchNorm1d", "Tanh", "Linear", "Sequential"]

    class Scaled(nn.Module):
        def extra_repr(self):
            return "factor=2\nmode='x'"

    assert repr(Scaled()) == "Scaled(\n  factor=2\n  mode='x'\n)"


# ---- state_dict / load_state_dict ----------------------------------------------------------------


def test_state_dict_arguments_as_torch():
    for lib_nn, _ in _libs():
        net = _net(lib_nn)
        state = net.state_dict()
        assert type(state) is OrderedDict
        destination = OrderedDict(extra=1)
        assert net.state_dict(destination=destination, prefix="model.") is destination
        assert list(destination)[1] == "model.fc.weight"
        assert net.state_dict(keep_vars=True)["fc.weight"] is net.fc.weight
        assert not state["fc.weight"].requires_grad
        with pytest.warns(FutureWarning, match="Positional args"):
            net.state_dict(None, "p.")


def test_load_state_dict_reads_torch_numpy_and_our_tensors():
    ours, theirs = _net(nn).double(), _net(torch.nn).double()
    for source in (
        theirs.state_dict(),  # torch tensors
        {k: v.numpy() for k, v in theirs.state_dict().items()},  # NumPy arrays
        {k: vt.tensor(v.numpy()) for k, v in theirs.state_dict().items()},  # our Tensors
        theirs.state_dict(keep_vars=True),  # torch Parameters that require grad
    ):
        ours.fc.weight.array[...] = 0
        result = ours.load_state_dict(source)
        assert result.missing_keys == [] and result.unexpected_keys == []
        assert repr(result) == "<All keys matched successfully>"
        np.testing.assert_array_equal(ours.fc.weight.array, theirs.fc.weight.detach().numpy())


def test_load_state_dict_errors_in_torchs_format_and_nothing_changes():
    messages = []
    for lib_nn, lib in _libs():
        net = lib_nn.Linear(2, 3)
        before = _np(net.weight).copy()
        bad = {"weight": lib.zeros(4, 2), "junk": lib.zeros(1)}
        with pytest.raises(RuntimeError) as error:
            net.load_state_dict(bad)
        np.testing.assert_array_equal(_np(net.weight), before)
        messages.append(str(error.value).replace("torch.Size([4, 2])", "(4, 2)"))
        result = net.load_state_dict(
            {"weight": lib.zeros(3, 2), "junk": lib.zeros(1)}, strict=False
        )
        assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
        with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
            net.load_state_dict([1, 2])
    ours, theirs = (m.split("\n\t") for m in messages)
    assert ours[:3] == theirs[:3]  # header, Missing key(s), Unexpected key(s): word for word
    assert ours[3].startswith("size mismatch for weight: copying a param with shape (4, 2)")


def test_load_state_dict_assign_takes_the_given_tensors():
    for lib_nn, lib in _libs():
        net = lib_nn.Linear(2, 3)
        net.bias.requires_grad_(False)
        weight = lib.ones(3, 2, dtype=lib.float64)
        net.load_state_dict(
            {"weight": weight, "bias": lib.zeros(3, dtype=lib.float64)}, assign=True
        )
        assert net.weight.dtype == lib.float64  # the state dict's dtype
        assert net.weight.requires_grad and not net.bias.requires_grad  # the module's flags
        weight.add_(1)  # the parameter is the given tensor's memory
        assert float(net.weight.detach().sum()) == 12.0
        net.load_state_dict({"weight": lib.zeros(3, 2), "bias": lib.zeros(3)})  # copy: dtype kept
        assert net.weight.dtype == lib.float64


# ---- hooks --------------------------------------------------------------------------------------


def _hooked(lib_nn, lib, events):
    """inner Linear inside an outer Sequential; every kind of hook records what it saw."""
    inner = lib_nn.Linear(3, 2)
    outer = lib_nn.Sequential(inner, lib_nn.Tanh())
    with lib.no_grad():
        inner.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))
        inner.bias.copy_(lib.tensor([0.1, -0.2]))

    def record(name, kind):
        def hook(module, *args):
            events.append((name, kind))

        return hook

    for name, module in (("outer", outer), ("inner", inner)):
        module.register_forward_pre_hook(record(name, "forward_pre"))
        module.register_forward_hook(record(name, "forward"))
        module.register_full_backward_pre_hook(record(name, "backward_pre"))
        module.register_full_backward_hook(record(name, "backward"))
    return outer, inner


def test_hooks_fire_in_torchs_order():
    orders = []
    for lib_nn, lib in _libs():
        events = []
        outer, _ = _hooked(lib_nn, lib, events)
        x = lib.tensor(np.ones((2, 3)), requires_grad=True, dtype=lib.float32)
        outer(x).sum().backward()
        orders.append(events)
    assert orders[0] == orders[1]
    assert orders[0][0] == ("outer", "forward_pre") and orders[0][-1] == ("outer", "backward")


def test_backward_hooks_see_and_replace_torchs_gradients():
    seen = []
    for lib_nn, lib in _libs():
        grads = {}
        layer = lib_nn.Linear(3, 2).double()
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))

        def pre_hook(module, grad_output):
            grads["pre"] = _np(grad_output[0]).copy()
            return (grad_output[0] * 2,)

        def hook(module, grad_input, grad_output):
            grads["input"] = _np(grad_input[0]).copy()
            grads["output"] = _np(grad_output[0]).copy()
            return (grad_input[0] + 1,)

        layer.register_full_backward_pre_hook(pre_hook)
        handle = layer.register_full_backward_hook(hook)
        x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        (layer(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)).sum().backward()
        grads["x"] = _np(x.grad).copy()
        grads["w"] = _np(layer.weight.grad).copy()
        handle.remove()
        x.grad = None
        layer(x).sum().backward()  # the full hook is gone, the pre-hook still doubles
        grads["x_after"] = _np(x.grad).copy()
        seen.append(grads)
    for key in seen[1]:
        np.testing.assert_allclose(seen[0][key], seen[1][key], rtol=1e-12, err_msg=key)


def test_full_backward_hook_without_inputs_requiring_grad_fires_at_the_outputs():
    for lib_nn, lib in _libs():
        calls = []
        layer = lib_nn.Linear(2, 2)
        layer.register_full_backward_hook(lambda m, gi, go: calls.append((gi, len(go))))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            layer(lib.ones(1, 2)).sum().backward()
        assert calls[0][0] == (None,) and calls[0][1] == 1


def test_forward_hooks_options_as_torch():
    results = []
    for lib_nn, lib in _libs():
        log = []
        layer = lib_nn.Identity()
        layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        layer.register_forward_pre_hook(lambda m, args: log.append("first"), prepend=True)
        layer.register_forward_pre_hook(
            lambda m, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True
        )
        layer.register_forward_hook(lambda m, args, out: out * 10)
        layer.register_forward_hook(
            lambda m, args, kwargs, out: log.append(sorted(kwargs)) or out - 1, with_kwargs=True
        )
        handle = layer.register_forward_hook(lambda m, args, out: out * 0, prepend=True)
        with handle:
            pass  # leaving the block removes it
        out = layer(lib.tensor([1.0]))
        results.append((out.tolist(), log))
    assert results[0] == results[1] == ([29.0], ["first", []])


def test_always_call_forward_hook_runs_when_forward_raises():
    for lib_nn, lib in _libs():
        calls = []

        class Broken(lib_nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        module = Broken()
        module.register_forward_hook(lambda m, a, o: calls.append("always"), always_call=True)
        module.register_forward_hook(lambda m, a, o: calls.append("normal"))
        with pytest.raises(ValueError, match="boom"):
            module(lib.zeros(1))
        assert calls == ["always"]


def test_pre_hook_returning_a_bad_value_is_torchs_error():
    for lib_nn, lib in _libs():
        layer = lib_nn.Identity()
        layer.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            layer(lib.zeros(1))


# ---- containers ---------------------------------------------------------------------------------


def test_module_dict_as_torch():
    reprs, keys = [], []
    for lib_nn, _ in _libs():
        blocks = lib_nn.ModuleDict({"wte": lib_nn.Embedding(5, 3), "drop": lib_nn.Dropout(0.1)})
        blocks["h"] = lib_nn.ModuleList([lib_nn.Linear(3, 3) for _ in range(2)])
        blocks.update([("ln_f", lib_nn.LayerNorm(3))])
        blocks.update(OrderedDict(extra=lib_nn.ReLU()))
        assert "wte" in blocks and len(blocks) == 5
        assert list(blocks) == list(blocks.keys()) == ["wte", "drop", "h", "ln_f", "extra"]
        assert type(blocks.pop("extra")).__name__ == "ReLU"
        del blocks["drop"]
        reprs.append(repr(blocks))
        keys.append(list(blocks.state_dict()))
        with pytest.raises(ValueError, match="has length 3; 2 is required"):
            blocks.update([("a", lib_nn.ReLU(), 1)])
        with pytest.raises(TypeError, match="should be called with an iterable"):
            blocks.update(3)
        blocks.clear()
        assert len(blocks) == 0
    assert reprs[0] == reprs[1] and keys[0] == keys[1]


def test_parameter_list_and_dict_as_torch():
    reprs, keys = [], []
    for lib_nn, lib in _libs():
        plist = lib_nn.ParameterList([lib_nn.Parameter(lib.zeros(2, 3)), lib.zeros(4)])
        plist.append(lib.ones(1, dtype=lib.float64))
        plist.extend([lib_nn.Parameter(lib.zeros(2))])
        assert isinstance(plist[1], lib_nn.Parameter) and len(plist) == 4
        assert len(plist[1:3]) == 2
        pdict = lib_nn.ParameterDict({"b": lib.zeros(2), "a": lib_nn.Parameter(lib.ones(3))})
        pdict["c"] = lib.zeros(1, dtype=lib.float64)
        assert list(pdict) == ["a", "b", "c"]  # a plain dict is taken in sorted order
        assert pdict.get("zzz") is None and "c" in pdict
        holder = lib_nn.Module()
        holder.plist, holder.pdict = plist, pdict
        reprs.append(repr(holder))
        keys.append([(k, tuple(v.shape)) for k, v in holder.state_dict().items()])
        with pytest.raises(RuntimeError, match="ParameterList should not be called"):
            plist(1)
        assert tuple(pdict.pop("c").shape) == (1,) and len(pdict) == 2
        with pytest.raises(TypeError, match="cannot be used as a key"):
            pdict[1] = lib.zeros(1)
    assert reprs[0] == reprs[1] and keys[0] == keys[1]


def test_sequential_and_module_list_operations_as_torch():
    results = []
    for lib_nn, _ in _libs():
        a, b, c = lib_nn.Linear(1, 1), lib_nn.ReLU(), lib_nn.Tanh()
        named = lib_nn.Sequential(OrderedDict(first=a, second=b))
        sliced = named[1:]
        row = [type(sliced).__name__, list(sliced._modules)]
        seq = lib_nn.Sequential(a, b)
        seq.append(c).insert(1, lib_nn.Identity())
        row.append(list(seq._modules))
        seq.extend([lib_nn.Sigmoid()])
        popped = seq.pop(0)
        row += [popped is a, list(seq._modules), len(seq + seq), len(seq * 2)]
        twice = lib_nn.Sequential(a)
        twice *= 3
        row.append(list(twice._modules))
        with pytest.raises(ValueError, match="Non-positive multiplication factor"):
            seq * 0
        with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
            seq + lib_nn.ModuleList()
        mlist = lib_nn.ModuleList([a, b])
        mlist += [c]
        mlist.insert(0, lib_nn.Identity())
        row += [len(mlist), type(mlist[1:]).__name__, type(mlist.pop(1)).__name__]
        row.append(repr(mlist + lib_nn.ModuleList([lib_nn.Tanh(), lib_nn.Tanh()])))
        results.append(row)
    assert results[0] == results[1]


def test_a_ported_gpt_style_module_dict_registers_blocks_under_torchs_keys():
    keys = []
    for lib_nn, _ in _libs():
        transformer = lib_nn.ModuleDict(
            dict(
                wte=lib_nn.Embedding(10, 4),
                wpe=lib_nn.Embedding(6, 4),
                h=lib_nn.ModuleList([lib_nn.Linear(4, 4) for _ in range(2)]),
                ln_f=lib_nn.LayerNorm(4),
            )
        )
        model = lib_nn.Module()
        model.transformer = transformer
        model.lm_head = lib_nn.Linear(4, 10, bias=False)
        model.transformer.wte.weight = model.lm_head.weight  # weight tying
        keys.append(list(model.state_dict()))
        assert len(list(model.parameters())) == 8  # the tied weight counted once
    assert keys[0] == keys[1]


def test_no_warnings_from_a_plain_call():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _net(nn)(vt.ones(2, 3))


LAYERS = {  # name -> the layer, made from either library's nn
    "Linear": lambda lib: lib.Linear(3, 2),
    "Bilinear": lambda lib: lib.Bilinear(2, 2, 3),
    "Conv2d": lambda lib: lib.Conv2d(1, 2, 3),
    "Embedding": lambda lib: lib.Embedding(4, 3),
    "LayerNorm": lambda lib: lib.LayerNorm(3),
    "BatchNorm1d": lambda lib: lib.BatchNorm1d(3),
    "LSTM": lambda lib: lib.LSTM(2, 3),
    "GRUCell": lambda lib: lib.GRUCell(2, 3),
    "MultiheadAttention": lambda lib: lib.MultiheadAttention(4, 2, add_bias_kv=True),
    "TransformerEncoderLayer": lambda lib: lib.TransformerEncoderLayer(4, 2, 8),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layers_take_the_default_dtype_as_torch(name):
    """Under set_default_dtype(float64) every layer's parameters and float buffers are
    float64 (and float32 again after it is set back), as torch's."""
    for dtype in ("float64", "float32"):
        dtypes = {}
        for L, lib in ((torch, torch.nn), (vt, nn)):
            L.set_default_dtype(getattr(L, dtype))
            try:
                layer = LAYERS[name](lib)
            finally:
                L.set_default_dtype(L.float32)
            tensors = [*layer.parameters(), *layer.buffers()]
            dtypes[L] = sorted(str(t.dtype).removeprefix("torch.") for t in tensors)
        assert dtypes[vt] == dtypes[torch], (dtype, dtypes)


def _factory_kwargs(cls) -> list[str]:
    """The constructor's arguments up to and including device and dtype, in order."""
    names = list(inspect.signature(cls.__init__).parameters)[1:]
    return names[: names.index("dtype") + 1] if "dtype" in names else names


def test_layers_take_device_and_dtype_where_torch_does_in_the_same_order():
    """A torch layer that takes device= and dtype= (nn.Linear(a, b, device=device), a common
    idiom) takes them here too, after the same arguments in the same order."""
    checked = []
    for name in dir(torch.nn):
        theirs, ours = getattr(torch.nn, name), getattr(nn, name, None)
        if not (inspect.isclass(theirs) and issubclass(theirs, torch.nn.Module)) or ours is None:
            continue
        if "device" not in inspect.signature(theirs.__init__).parameters:
            continue
        assert _factory_kwargs(ours) == _factory_kwargs(theirs), name
        checked.append(name)
    assert {"Linear", "Conv2d", "LSTMCell", "MultiheadAttention", "Embedding"} <= set(checked)
    layer = nn.Linear(3, 2, device="cpu")
    assert layer.weight.device == vt.device("cpu")
    with pytest.raises(RuntimeError, match="cuda"):
        nn.Linear(3, 2, device="cuda")
