"""Whether ops record the graph: `no_grad()`, `enable_grad()`, `set_grad_enabled(mode)`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_enabled = True


def is_grad_enabled() -> bool:
    """True when new ops record the graph that backward walks."""
    return _enabled


class set_grad_enabled:
    """Set grad mode for a `with` block (or from now on, when not used as a context manager)."""

    def __init__(self, mode: bool) -> None:
        global _enabled
        self.previous = _enabled
        _enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        global _enabled
        _enabled = self.previous


class _GradModeContext:
    """A context manager that is also a decorator, with or without parentheses."""

    mode: bool

    def __new__(cls, func: Callable | None = None):
        self = super().__new__(cls)
        return self(func) if func is not None else self

    def __enter__(self) -> None:
        global _enabled
        self.previous = _enabled
        _enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        global _enabled
        _enabled = self.previous

    def __call__(self, func: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            global _enabled
            previous, _enabled = _enabled, mode
            try:
                return func(*args, **kwargs)
            finally:
                _enabled = previous

        return wrapper


class no_grad(_GradModeContext):
    """Ops inside do not record the graph: `with no_grad():` or `@no_grad()` / `@no_grad`."""

    mode = False


class enable_grad(_GradModeContext):
    """Record the graph again inside a `no_grad` region."""

    mode = True


class inference_mode(_GradModeContext):
    """torch.inference_mode: here the same as no_grad (ops record nothing)."""

    mode = False

    def __new__(cls, mode: bool | Callable = True):
        if callable(mode):
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self.mode = not mode
        return self
