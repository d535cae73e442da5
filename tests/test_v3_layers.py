"""v3_nn layers against their torch twins: weights moved through state_dict, float64,
outputs, input gradients and parameter gradients compared; init, repr and errors."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn as nn

RTOL, ATOL = 1e-10, 1e-12


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    ours = ours.array if isinstance(ours, vt.Tensor) else ours
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def twin(ours: nn.Module, theirs: torch.nn.Module) -> tuple[nn.Module, torch.nn.Module]:
    """Both in float64, torch's weights (and buffers) copied from ours through state_dict."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def check_parity(ours, theirs, x: np.ndarray, seed: int = 0):
    """Forward and backward (a random upstream gradient) agree; returns the outputs."""
    xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    close(ys, yt)
    upstream = np.random.default_rng(seed).normal(size=yt.shape)
    ys.backward(vt.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    close(xs.grad, xt.grad)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        close(param.grad, theirs_params[name].grad)
    assert [n for n, _ in ours.named_parameters()] == list(theirs_params)
    return ys, yt


def randn(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.fixture(autouse=True)
def seeded():
    vt.manual_seed(0)


# ---- Linear, Identity, Flatten -----------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [(5,), (2, 3), ()])
def test_linear_matches_torch(bias, batch):
    ours, theirs = twin(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias))
    check_parity(ours, theirs, randn(*batch, 4))


def test_linear_state_dict_keys_shapes_and_default_dtype():
    layer = nn.Linear(4, 3)
    assert layer.weight.dtype == vt.float32
    assert {k: v.shape for k, v in layer.state_dict().items()} == {
        k: tuple(v.shape) for k, v in torch.nn.Linear(4, 3).state_dict().items()
    }
    assert nn.Linear(4, 3, dtype=vt.float64).weight.dtype == vt.float64


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w, b = layer.weight.array, layer.bias.array
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has variance a^2/3; 120,000 draws pin it to within a few percent
    assert abs(w.var() / (bound**2 / 3) - 1) < 0.03
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound


def test_init_draws_from_the_seeded_generator():
    vt.manual_seed(7)
    first = nn.Linear(3, 2).state_dict()
    vt.manual_seed(7)
    second = nn.Linear(3, 2).state_dict()
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert not np.array_equal(first["weight"], nn.Linear(3, 2).state_dict()["weight"])


def test_linear_rejects_wrong_feature_count_naming_shapes():
    with pytest.raises(ValueError, match=r"linear.*\(2, 5\).*in_features=4"):
        nn.Linear(4, 3)(vt.tensor(np.zeros((2, 5))))


def test_simple_layer_reprs_match_torch():
    pairs = [
        (nn.Linear(3, 2, bias=False), torch.nn.Linear(3, 2, bias=False)),
        (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
        (nn.Identity(), torch.nn.Identity()),
        (nn.Dropout(0.1), torch.nn.Dropout(0.1)),
        (nn.LeakyReLU(0.2, inplace=True), torch.nn.LeakyReLU(0.2, inplace=True)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_identity_returns_its_input_and_takes_any_arguments():
    x = vt.tensor([1.0, 2.0])
    assert nn.Identity(3, foo="bar")(x) is x


@given(
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=4),
    start=st.integers(-4, 3),
    end=st.integers(-4, 3),
)
def test_flatten_matches_torch(shape, start, end):
    ndim = len(shape)
    if not (-ndim <= start < ndim and -ndim <= end < ndim) or start % ndim > end % ndim:
        return
    x = randn(*shape)
    check_parity(nn.Flatten(start, end), torch.nn.Flatten(start, end), x)


# ---- containers --------------------------------------------------------------------------


def mlp_pair():
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Tanh())
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.Tanh()
    )
    return twin(ours, theirs)


def test_sequential_matches_torch_and_has_torch_keys():
    ours, theirs = mlp_pair()
    assert list(ours.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_parity(ours, theirs, randn(6, 4))


def test_sequential_indexing_len_iteration_slicing_and_append():
    ours, _ = mlp_pair()
    assert len(ours) == 4
    assert isinstance(ours[1], nn.ReLU) and ours[-1] is ours[3]
    assert [type(m).__name__ for m in ours] == ["Linear", "ReLU", "Linear", "Tanh"]
    head = ours[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is ours[0]
    ours.append(nn.Sigmoid())
    assert len(ours) == 5 and "4" in dict(ours.named_children())
    with pytest.raises(IndexError, match="Sequential: index 5 is out of range for length 5"):
        ours[5]


def test_sequential_and_module_list_item_assignment_and_deletion_as_torch():
    # Swapping or chopping off a head; deletion numbers the rest 0, 1, ... again, as torch.
    def edit(lib):
        model = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4), lib.Linear(4, 1))
        model[-1] = lib.Linear(4, 2)
        del model[1]
        named = lib.Sequential(OrderedDict(a=lib.Linear(1, 1), b=lib.ReLU(), c=lib.Linear(1, 1)))
        del named[::2]
        layers = lib.ModuleList([lib.Linear(1, 1), lib.ReLU(), lib.Tanh()])
        del layers[0]
        return [
            {key: tuple(value.shape) for key, value in module.state_dict().items()}
            for module in (model, named, layers)
        ] + [[(name, type(child).__name__) for name, child in named.named_children()]]

    assert edit(nn) == edit(torch.nn)
    with pytest.raises(IndexError, match="Sequential: index 3 is out of range for length 3"):
        del nn.Sequential(nn.ReLU(), nn.ReLU(), nn.ReLU())[3]
    with pytest.raises(TypeError, match="Sequential indices must be integers.*not str"):
        nn.Sequential(nn.ReLU())["0"]
    with pytest.raises(TypeError, match="ModuleList indices must be integers.*not slice"):
        nn.ModuleList([nn.ReLU()])[0:1] = nn.ReLU()


def test_module_list_repr_folds_repeated_children_as_torch():
    def lists(lib):
        block = lambda: lib.Sequential(lib.Linear(2, 2), lib.ReLU())  # noqa: E731
        return [
            lib.ModuleList([lib.Linear(2, 2) for _ in range(3)]),
            lib.ModuleList(),
            lib.ModuleList([lib.ReLU(), lib.Linear(2, 2), lib.Linear(2, 2), lib.Tanh()]),
            lib.Sequential(lib.ModuleList([block(), block()]), lib.Tanh()),
        ]

    for ours, theirs in zip(lists(nn), lists(torch.nn), strict=True):
        assert repr(ours) == repr(theirs)


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 3), act=nn.ReLU()))
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias"]
    assert model[0] is model.hidden


def test_module_list_registers_its_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).relu()
            return x

    model = Stack()
    assert list(model.state_dict()) == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    assert len(list(model.parameters())) == 4
    layers = model.layers
    extra = nn.Linear(3, 3)
    layers.append(extra)
    assert len(layers) == 3 and layers[-1] is extra
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and layers[3] is extra
    assert list(dict(layers.named_children())) == ["0", "1", "2", "3"]
    layers[0] = nn.Tanh()
    assert isinstance(layers[0], nn.Tanh)
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 3
    with pytest.raises(IndexError, match="ModuleList"):
        layers[-5]


def test_sequential_repr_matches_torch():
    ours, theirs = mlp_pair()
    ours.append(nn.Dropout(0.25))
    theirs.append(torch.nn.Dropout(0.25))
    assert repr(ours) == repr(theirs)


# ---- activations -------------------------------------------------------------------------


ACTIVATIONS = [
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
]


@pytest.mark.parametrize("make", ACTIVATIONS, ids=lambda m: repr(m[1]()))
def test_activation_matches_torch(make):
    ours, theirs = make[0](), make[1]()
    x = randn(3, 4, 5) * 3
    x[0, 0, :3] = [0.0, 1e3, -1e3]  # the kink and huge inputs
    check_parity(ours, theirs, x)
    assert repr(ours) == repr(theirs)


def test_softmax_without_dim_warns_and_uses_torchs_legacy_dim():
    x = randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(vt.tensor(x))
    close(out, torch.softmax(torch.tensor(x), dim=1))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_inplace_flag_shows_in_repr_and_computes_out_of_place():
    relu = nn.ReLU(inplace=True)
    assert repr(relu) == repr(torch.nn.ReLU(inplace=True))
    x = vt.tensor([-1.0, 2.0])
    relu(x)
    close(x, np.array([-1.0, 2.0]))


# ---- Dropout -----------------------------------------------------------------------------


def test_dropout_statistics_scaling_and_gradient():
    p = 0.3
    x = vt.tensor(np.ones(200_000), requires_grad=True)
    y = nn.Dropout(p)(x)
    dropped = y.array == 0
    # 200,000 Bernoulli(0.3) draws: the fraction is within 4 sigma (0.004) of p
    assert abs(dropped.mean() - p) < 0.004
    close(y.array[~dropped], np.full((~dropped).sum(), 1 / (1 - p)))
    y.sum().backward()
    close(x.grad.array, np.where(dropped, 0.0, 1 / (1 - p)))


def test_dropout_is_reproducible_from_the_seed():
    x = vt.tensor(np.ones(100))
    vt.manual_seed(3)
    first = nn.Dropout()(x).array
    vt.manual_seed(3)
    assert np.array_equal(first, nn.Dropout()(x).array)


def test_dropout_eval_and_p0_are_the_identity_and_p1_zeros():
    x = vt.tensor(randn(4, 5), requires_grad=True)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    y = nn.Dropout(1.0)(x)
    close(y, np.zeros((4, 5)))
    y.sum().backward()
    close(x.grad, np.zeros((4, 5)))


def test_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1.*1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.functional.dropout(vt.tensor([1.0]), p=-0.1)


# ---- BatchNorm ---------------------------------------------------------------------------


BATCHNORMS = [
    ("1d (N,C)", nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3)),
    ("1d (N,C,L)", nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 5)),
    ("2d", nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 2, 3)),
]
BN_OPTIONS = [
    {},
    {"momentum": None},
    {"momentum": 0.3, "eps": 1e-3},
    {"affine": False},
    {"bias": False},
    {"track_running_stats": False},
]


@pytest.mark.parametrize("options", BN_OPTIONS, ids=str)
@pytest.mark.parametrize("name, ours_cls, theirs_cls, shape", BATCHNORMS, ids=lambda v: v)
def test_batchnorm_train_steps_then_eval_match_torch(name, ours_cls, theirs_cls, shape, options):
    ours, theirs = twin(ours_cls(3, **options), theirs_cls(3, **options))
    if options.get("affine", True):  # non-trivial affine parameters
        with torch.no_grad():
            ours.weight.array[...] = [0.5, 2.0, -1.0]
            theirs.weight.copy_(torch.tensor([0.5, 2.0, -1.0]))
    for step in range(4):
        x = randn(*shape, seed=step) * (step + 1) + step
        check_parity(ours, theirs, x, seed=step)
        ours.zero_grad()
        theirs.zero_grad()
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key in ours_state:
        close(ours_state[key], theirs_state[key].numpy())
    if ours.track_running_stats:
        assert ours_state["num_batches_tracked"].dtype == np.int64
        assert int(ours_state["num_batches_tracked"]) == 4
    ours.eval()
    theirs.eval()
    check_parity(ours, theirs, randn(*shape, seed=9) * 2 + 1, seed=9)


def test_batchnorm_defaults_and_repr_match_torch():
    for ours, theirs in [
        (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)),
        (
            nn.BatchNorm2d(2, momentum=None, affine=False),
            torch.nn.BatchNorm2d(2, momentum=None, affine=False),
        ),
    ]:
        assert repr(ours) == repr(theirs)
        theirs_state = theirs.state_dict()
        assert list(ours.state_dict()) == list(theirs_state)
        for key, value in ours.state_dict().items():
            np.testing.assert_array_equal(value, theirs_state[key].numpy())
            assert value.dtype == theirs_state[key].numpy().dtype


def test_batchnorm_trained_in_torch_loads_into_v3_nn():
    theirs = torch.nn.BatchNorm2d(3).double()
    for step in range(3):
        theirs(torch.tensor(randn(4, 3, 2, 2, seed=step) + step))
    ours = nn.BatchNorm2d(3).double()
    ours.load_state_dict(theirs.state_dict())
    assert int(ours.num_batches_tracked.array) == 3
    check_parity(ours.eval(), theirs.eval(), randn(2, 3, 2, 2, seed=7))


def test_batchnorm_errors_name_the_layer_and_shapes_and_change_nothing():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(RuntimeError, match=r"running_mean should contain 4 elements not 3"):
        layer(vt.tensor(np.zeros((2, 4))))  # torch's type: RuntimeError
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input.*\(2, 3, 4, 5\)"):
        layer(vt.tensor(np.zeros((2, 3, 4, 5))))
    with pytest.raises(ValueError, match=r"BatchNorm2d.*4D.*\(2, 3\)"):
        nn.BatchNorm2d(3)(vt.tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        layer(vt.tensor(np.ones((1, 3))))
    assert int(layer.num_batches_tracked.array) == 0
    np.testing.assert_array_equal(layer.running_mean.array, np.zeros(3))
    layer.eval()
    assert layer(vt.tensor(np.ones((1, 3)))).shape == (1, 3)  # eval needs no batch


# ---- LayerNorm ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, options",
    [
        (4, {}),
        ((3, 4), {}),
        (4, {"elementwise_affine": False}),
        (4, {"bias": False}),
        (4, {"eps": 0.1}),
    ],
    ids=str,
)
def test_layernorm_matches_torch(shape, options):
    ours, theirs = twin(nn.LayerNorm(shape, **options), torch.nn.LayerNorm(shape, **options))
    if ours.weight is not None:
        ours.weight.array[...] = randn(*ours.weight.shape, seed=5)
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    check_parity(ours, theirs, randn(2, 3, 4) * 5 + 2)
    assert repr(ours) == repr(theirs)


def test_layernorm_rejects_mismatched_trailing_shape():
    with pytest.raises(RuntimeError, match=r"layer_norm.*\[4\].*\[2, 5\]"):
        nn.LayerNorm(4)(vt.tensor(np.zeros((2, 5))))


# ---- Embedding ---------------------------------------------------------------------------


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch_including_repeated_and_padding_indices(padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    if padding_idx is not None:
        assert np.all(ours.weight.array[padding_idx] == 0)
    ours.weight.array[...] = randn(
        5, 3
    )  # padding row made non-zero: still looked up, never trained
    twin(ours, theirs)
    indices = np.array([[0, 2, 2], [4, 1, 2]])
    ys = ours(vt.tensor(indices))
    yt = theirs(torch.from_numpy(indices))
    close(ys, yt)
    upstream = randn(2, 3, 3, seed=1)
    ys.backward(vt.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    close(ours.weight.grad, theirs.weight.grad)
    if padding_idx is not None:
        assert np.all(ours.weight.grad.array[padding_idx] == 0)
    assert repr(ours) == repr(theirs)


def test_embedding_default_init_is_standard_normal():
    weight = nn.Embedding(1000, 100).weight.array
    assert weight.dtype == np.float32
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02


def test_embedding_errors():
    layer = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="embedding: index 4 is out of range for 4 embeddings"):
        layer(np.array([0, 4]))
    with pytest.raises(IndexError, match="index -1"):
        layer(np.array([-1]))
    with pytest.raises(TypeError, match="indices must be integers.*float"):
        layer(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx 4 is out of range"):
        nn.Embedding(4, 2, padding_idx=4)


def test_embedding_from_pretrained_copies_and_freezes():
    table = randn(3, 2)
    frozen = nn.Embedding.from_pretrained(table)
    close(frozen(np.array([2, 0])), table[[2, 0]])
    assert not frozen.weight.requires_grad
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    table[0, 0] = 99.0
    assert frozen.weight.array[0, 0] != 99.0
