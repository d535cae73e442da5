"""Sequential and ModuleList, as torch.nn: modules that hold other modules under "0", "1", ..."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from ..module import Module, _addindent


def _absolute_index(index: int, length: int, owner: str) -> int:
    try:
        index = operator.index(index)  # ints and NumPy integers; not floats, strings, slices
    except TypeError:
        raise TypeError(
            f"{owner} indices must be integers (or slices, to read or delete), "
            f"not {type(index).__name__}"
        ) from None
    if not -length <= index < length:
        raise IndexError(f"{owner}: index {index} is out of range for length {length}")
    return index % length


def _renumber(container: Module, modules: list[Module]) -> None:
    container._modules.clear()
    for position, module in enumerate(modules):
        container.add_module(str(position), module)


def _delete(container: Module, index: int | slice, owner: str) -> None:
    # Remove by position, then number the rest "0", "1", ... again, as torch does.
    modules = list(container._modules.values())
    if isinstance(index, slice):
        del modules[index]
    else:
        del modules[_absolute_index(index, len(modules), owner)]
    _renumber(container, modules)


class Sequential(Module):
    """Calls its modules in order, each on the previous one's output.

    Sequential(a, b) names them "0" and "1"; Sequential(OrderedDict(name=module)) keeps names.
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_absolute_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        names = list(self._modules)
        setattr(self, names[_absolute_index(index, len(names), "Sequential")], module)

    def __delitem__(self, index: int | slice) -> None:
        _delete(self, index, "Sequential")

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the owner sees; it has no forward of its own."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_absolute_index(index, len(modules), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_absolute_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index: int | slice) -> None:
        _delete(self, index, "ModuleList")

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __repr__(self) -> str:
        # Runs of identical children print once, "(0-5): 6 x Layer(...)", as torch's do.
        if not self._modules:
            return "ModuleList()"
        reprs = [repr(module) for module in self]
        lines, start = [], 0
        for end in range(1, len(reprs) + 1):
            if end < len(reprs) and reprs[end] == reprs[start]:
                continue
            count = end - start
            label = f"({start}): " if count == 1 else f"({start}-{end - 1}): {count} x "
            lines.append(_addindent(label + reprs[start], 2))
            start = end
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"

    def insert(self, index: int, module: Module) -> None:
        modules = list(self)
        modules.insert(index, module)
        _renumber(self, modules)
