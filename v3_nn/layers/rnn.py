"""Recurrent layers RNN, LSTM, GRU and their one-step cells, as in torch.nn.

Same constructor arguments, parameter names (weight_ih_l{k}, weight_hh_l{k},
bias_ih_l{k}, bias_hh_l{k}, with a _reverse suffix for the backward direction),
gate order (LSTM i, f, g, o; GRU r, z, n), default initialisation
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) and return values as torch's.
Each layer and direction runs as one fused op (functional.rnn.fused_layer); an LSTM with
proj_size (h_t = W_hr (o_t * tanh c_t), torch's weight_hr_l{k}) runs the reference loop.
The cells RNNCell, LSTMCell, GRUCell run one fused op per step (functional.rnn.fused_*_cell).
A PackedSequence input runs each sequence over its own length only: the steps are cut into
runs of constant batch size (the sequences are sorted longest first), each run is one fused
op, and the state of a sequence that ends is set aside (forward) or joins in (reverse).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.device import as_device

from .. import init
from ..functional.dropout import dropout as dropout_between_layers
from ..functional.rnn import (
    GATES,
    fused_gru_cell,
    fused_layer,
    fused_lstm_cell,
    fused_rnn_relu_cell,
    fused_rnn_tanh_cell,
    lstm_projected_layer,
)
from ..module import Module, Parameter
from ..utils.rnn import PackedSequence


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


def _segments(batch_sizes: list[int]) -> list[tuple[int, int, int]]:
    """(first data row, steps, batch size) of each run of steps with one batch size."""
    runs, offset, t = [], 0, 0
    while t < len(batch_sizes):
        end = t
        while end < len(batch_sizes) and batch_sizes[end] == batch_sizes[t]:
            end += 1
        runs.append((offset, end - t, batch_sizes[t]))
        offset += (end - t) * batch_sizes[t]
        t = end
    return runs


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
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        as_device(device)
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
        if not isinstance(proj_size, int) or isinstance(proj_size, bool) or proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
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
        self.proj_size = proj_size
        dtype = vt.get_default_dtype() if dtype is None else dtype
        gate_size = GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size or hidden_size  # the size of h (and of each output)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, real_hidden),
                }
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
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
        per_layer = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        flat = [getattr(self, name) for name in self._flat_weights_names]
        return [flat[k : k + per_layer] for k in range(0, len(flat), per_layer)]

    def flatten_parameters(self) -> None:
        """Nothing to do: torch packs weights for cuDNN here; ported code calls it freely."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
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
        stacked = self.num_layers * self.num_directions
        sizes = [self.proj_size or self.hidden_size] + [self.hidden_size] * (self.mode == "LSTM")
        expected = [(stacked, batch, size) for size in sizes]  # h (proj_size wide), and c
        if hx is None:
            return tuple(_zeros(shape, like) for shape in expected)
        for k, (h, shape) in enumerate(zip(hx, expected, strict=True)):
            if tuple(h.shape) != shape:
                which = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {which} size {shape}, got {list(h.shape)}")
        return hx

    def _run(self, input: Tensor | PackedSequence, hx: tuple[Tensor, ...] | None):
        """Check, reshape to (T, B, I), run the stack, and shape the results as torch does."""
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
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

    def _layer(self, x: Tensor, state: tuple[Tensor, ...], weights, reverse: bool):
        """One layer in one direction over x (T, B, I): (outputs, (h_n,) or (h_n, c_n))."""
        if self.proj_size:
            return lstm_projected_layer(x, state, weights, reverse)
        if self.mode == "LSTM":
            return fused_layer("LSTM", x, state, weights, reverse=reverse)
        output, h_n = fused_layer(self.mode, x, state[0], weights, reverse=reverse)
        return output, (h_n,)

    def _run_layers(self, input: Tensor, states: tuple[Tensor, ...], segments=None):
        """Each layer reads the (concatenated) outputs of the one below it. With `segments`
        the input is a PackedSequence's data, run by _packed_direction."""
        weights = self.all_weights
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                state = tuple(s[k] for s in states)
                reverse = direction == 1
                if segments is None:
                    output, final = self._layer(input, state, weights[k], reverse)
                else:
                    output, final = self._packed_direction(
                        input, state, weights[k], segments, reverse
                    )
                outputs.append(output)
                finals.append(final)
            input = outputs[0] if len(outputs) == 1 else vt.cat(outputs, dim=-1)
            if layer < self.num_layers - 1:
                input = dropout_between_layers(input, self.dropout, self.training)
        return input, tuple(vt.stack(list(parts)) for parts in zip(*finals, strict=True))

    # ---- packed sequences ---------------------------------------------------------------

    def _run_packed(self, packed: PackedSequence, hx: tuple[Tensor, ...] | None):
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        name = type(self).__name__
        if not isinstance(data, Tensor) or data.ndim != 2:
            raise RuntimeError(
                f"{name}: a PackedSequence's data must be 2-D (steps, features), got shape "
                f"{tuple(getattr(data, 'shape', ()))}"
            )
        _check_state(name, data, hx)
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {data.shape[-1]}"
            )
        weight = getattr(self, self._flat_weights_names[0])
        if data.dtype != weight.dtype:
            raise ValueError(
                f"{name} input dtype ({data.dtype}) does not match weight dtype ({weight.dtype})"
            )
        sizes = [int(n) for n in batch_sizes.array]
        if hx is not None:
            if any(h.ndim != 3 for h in hx):
                raise RuntimeError(f"{name}: for a PackedSequence, hx should be 3-D")
            if sorted_indices is not None:  # hx is in the caller's order, the data sorted
                hx = tuple(h[:, sorted_indices.array] for h in hx)
        states = self._initial_state(hx, sizes[0], data)
        output, finals = self._run_layers(data, states, _segments(sizes))
        if unsorted_indices is not None:
            finals = tuple(f[:, unsorted_indices.array] for f in finals)
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), finals

    def _packed_direction(
        self, data: Tensor, state: tuple[Tensor, ...], weights, segments, reverse: bool
    ):
        """One direction over packed rows: each run of steps with the same batch size b is
        one layer call on its (steps, b, I) block. Forward, the rows of sequences that have
        ended are set aside as their final state; reverse, the runs go last to first and a
        sequence's initial state joins when its last step comes."""
        outputs: list[Tensor | None] = [None] * len(segments)
        initial = state
        if not reverse:
            ended = []
            for i, (offset, steps, batch) in enumerate(segments):
                if state[0].shape[0] > batch:
                    ended.append(tuple(s[batch:] for s in state))
                    state = tuple(s[:batch] for s in state)
                x = data[offset : offset + steps * batch].reshape(steps, batch, data.shape[-1])
                output, state = self._layer(x, state, weights, False)
                outputs[i] = output.reshape(steps * batch, output.shape[-1])
            ended.append(state)
            final = tuple(vt.cat([part[j] for part in reversed(ended)]) for j in range(len(state)))
            return vt.cat(outputs), final
        state = None
        for i in reversed(range(len(segments))):
            offset, steps, batch = segments[i]
            if state is None:
                state = tuple(s[:batch] for s in initial)
            elif state[0].shape[0] < batch:
                have = state[0].shape[0]
                state = tuple(
                    vt.cat([s, s0[have:batch]]) for s, s0 in zip(state, initial, strict=True)
                )
            x = data[offset : offset + steps * batch].reshape(steps, batch, data.shape[-1])
            output, state = self._layer(x, state, weights, True)
            outputs[i] = output.reshape(steps * batch, output.shape[-1])
        return vt.cat(outputs), state


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
        proj_size: int = 0,
        device=None,
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
            proj_size=proj_size,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """input (T, B, I) (or (B, T, I) if batch_first, or unbatched (T, I)) -> (output, h_n)."""
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory: returns (output, (h_n, c_n)) as torch.nn.LSTM; with proj_size
    P > 0, h_t = W_hr (o_t * tanh c_t) has P features (weight_hr_l{k} of shape (P, H))."""

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
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size=proj_size,
            device=device,
            dtype=dtype,
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
        proj_size: int = 0,
        device=None,
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
            proj_size=proj_size,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


# ------------------------------------------------------------------ cells


class RNNCellBase(Module):
    """One time step: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ) -> None:
        as_device(device)
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = vt.get_default_dtype() if dtype is None else dtype
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
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), 1)
        cell = fused_rnn_tanh_cell if self.nonlinearity == "tanh" else fused_rnn_relu_cell
        h = cell(input, h, *self._weights())
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (input, (h, c)) -> (h', c')."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        input, state, batched = self._prepare(input, _as_pair("LSTMCell", hx), 2)
        h, c = fused_lstm_cell(input, state, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: (input, h) -> h'."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), 1)
        h = fused_gru_cell(input, h, *self._weights())
        return h if batched else h.squeeze(0)
