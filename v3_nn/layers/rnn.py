"""Recurrent layers RNN, LSTM, GRU and their one-step cells, as in torch.nn.

Same constructor arguments, parameter names (weight_ih_l{k}, weight_hh_l{k},
bias_ih_l{k}, bias_hh_l{k}, with a _reverse suffix for the backward direction),
gate order (LSTM i, f, g, o; GRU r, z, n), default initialisation
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) and return values as torch's.
Each layer and direction runs as one fused op (functional.rnn.fused_layer).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

from .. import init
from ..functional.dropout import dropout as dropout_between_layers
from ..functional.rnn import GATES, fused_layer, gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from ..module import Module, Parameter


def _reset_uniform(module: Module) -> None:
    """torch's reset_parameters: every weight and bias from U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return vt.Tensor(np.zeros(shape, dtype=like.dtype))


def _check_state(name: str, input: Tensor, hx: tuple[Tensor, ...] | None) -> None:
    """The initial state holds Tensors of the input's dtype (never a silent mixed-dtype run)."""
    for h in hx or ():
        if not isinstance(h, Tensor):
            raise TypeError(f"{name}: hx must hold Tensors, got {type(h).__name__}")
        if h.dtype != input.dtype:
            raise RuntimeError(
                f"{name}: hidden state dtype ({h.dtype}) does not match input dtype ({input.dtype})"
            )


def _as_pair(name: str, hx) -> tuple[Tensor, Tensor] | None:
    """An LSTM state: None or the pair (h, c)."""
    if hx is None:
        return None
    if not isinstance(hx, tuple | list) or len(hx) != 2:
        got = type(hx).__name__ + (f" of {len(hx)}" if isinstance(hx, tuple | list) else "")
        raise TypeError(f"{name}: hx must be a pair (h_0, c_0), got {got}")
    return tuple(hx)


class RNNBase(Module):
    """The stack of layers and directions shared by RNN, LSTM and GRU."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive int, got {num_layers!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, int | float):
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout acts between recurrent layers, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers=1",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        dtype = vt.float32 if dtype is None else dtype
        gate_size = GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                layer_input = input_size if layer == 0 else hidden_size * directions
                shapes = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, hidden_size),
                    "bias_ih": (gate_size,),
                    "bias_hh": (gate_size,),
                }
                for name, shape in list(shapes.items())[: 4 if bias else 2]:
                    setattr(self, name + suffix, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    reset_parameters = _reset_uniform

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, as torch's all_weights."""
        per_layer = 4 if self.bias else 2
        flat = [getattr(self, name) for name in self._flat_weights_names]
        return [flat[k : k + per_layer] for k in range(0, len(flat), per_layer)]

    def flatten_parameters(self) -> None:
        """Nothing to do: torch packs weights for cuDNN here; ported code calls it freely."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_input(self, input: Tensor, hx: tuple[Tensor, ...] | None) -> None:
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        _check_state(name, input, hx)
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise RuntimeError(
                f"{name}: Expected sequence length to be larger than 0, got input "
                f"of shape {tuple(input.shape)}"
            )
        if hx is not None and any(h.ndim != input.ndim for h in hx):
            kind = "unbatched 2-D" if input.ndim == 2 else "batched 3-D"
            wrong = next(h.ndim for h in hx if h.ndim != input.ndim)
            raise RuntimeError(
                f"For {kind} input, hx should also be {input.ndim}-D but got {wrong}-D tensor"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {input.shape[-1]}"
            )
        weight = getattr(self, self._flat_weights_names[0])
        if input.dtype != weight.dtype:
            raise ValueError(
                f"{name} input dtype ({input.dtype}) does not match weight dtype ({weight.dtype})"
            )

    def _initial_state(self, hx: tuple[Tensor, ...] | None, batch: int, like: Tensor):
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            zeros = _zeros(expected, like)
            return (zeros, zeros) if self.mode == "LSTM" else (zeros,)
        for k, h in enumerate(hx):
            if tuple(h.shape) != expected:
                which = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {which} size {expected}, got {list(h.shape)}")
        return hx

    def _run(self, input: Tensor, hx: tuple[Tensor, ...] | None):
        """Check, reshape to (T, B, I), run the stack, and shape the results as torch does."""
        self._check_input(input, hx)
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            hx = None if hx is None else tuple(h.unsqueeze(1) for h in hx)
        if self.batch_first:
            input = input.transpose(0, 1)
        states = self._initial_state(hx, input.shape[1], input)
        output, finals = self._run_layers(input, states)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            finals = tuple(f.squeeze(1) for f in finals)
        return output, finals

    def _run_layers(self, input: Tensor, states: tuple[Tensor, ...]):
        """Each layer reads the (concatenated) outputs of the one below it."""
        weights = self.all_weights
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                state = tuple(s[k] for s in states)
                output, final = fused_layer(
                    self.mode,
                    input,
                    state if self.mode == "LSTM" else state[0],
                    weights[k],
                    reverse=direction == 1,
                )
                outputs.append(output)
                finals.append(final if self.mode == "LSTM" else (final,))
            input = outputs[0] if len(outputs) == 1 else vt.cat(outputs, dim=2)
            if layer < self.num_layers - 1:
                input = dropout_between_layers(input, self.dropout, self.training)
        return input, tuple(vt.stack(list(parts)) for parts in zip(*finals, strict=True))


class RNN(RNNBase):
    """Elman RNN: h_t = tanh or relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """input (T, B, I) (or (B, T, I) if batch_first, or unbatched (T, I)) -> (output, h_n)."""
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory: returns (output, (h_n, c_n)) as torch.nn.LSTM."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype=None,
    ) -> None:
        if proj_size != 0:
            raise NotImplementedError(f"LSTM: proj_size={proj_size} is not supported by v3_nn")
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        output, (h_n, c_n) = self._run(input, _as_pair("LSTM", hx))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit: returns (output, h_n) as torch.nn.GRU."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


# ------------------------------------------------------------------ cells


class RNNCellBase(Module):
    """One time step: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, dtype=None
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = vt.float32 if dtype is None else dtype
        gate_size = num_chunks * hidden_size
        self.weight_ih = Parameter(np.empty((gate_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gate_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(np.empty(gate_size, dtype=dtype))
            self.bias_hh = Parameter(np.empty(gate_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = _reset_uniform

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx: tuple[Tensor, ...] | None, count: int):
        """Check shapes, add the batch axis to unbatched input, zeros for a missing state."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} "
                f"expected {self.input_size}"
            )
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(
                f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                f"({self.weight_ih.dtype})"
            )
        _check_state(name, input, hx)
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            return input, (_zeros((batch, self.hidden_size), input),) * count, batched
        for k, h in enumerate(hx):
            if h.ndim != input.ndim - (0 if batched else 1):
                raise ValueError(
                    f"{name}: Expected hidden to be {1 + batched}D like the input, got {h.ndim}D"
                )
            if tuple(h.shape[-1:]) != (self.hidden_size,) or (batched and h.shape[0] != batch):
                raise RuntimeError(
                    f"{name}: hidden[{k}] of shape {tuple(h.shape)} does not match "
                    f"(batch={batch}, hidden_size={self.hidden_size})"
                )
        return input, tuple(h if batched else h.unsqueeze(0) for h in hx), batched

    def _weights(self) -> tuple[Tensor, ...]:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """h' = tanh or relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), 1)
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = cell(input, h, *self._weights())
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (input, (h, c)) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        input, state, batched = self._prepare(input, _as_pair("LSTMCell", hx), 2)
        h, c = lstm_cell(input, state, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: (input, h) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), 1)
        h = gru_cell(input, h, *self._weights())
        return h if batched else h.squeeze(0)
