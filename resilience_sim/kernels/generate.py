"""Write the pool's operations where they run: ``python -m resilience_sim.kernels.generate [--check]``.

Expands each template of :mod:`.pool_ops` (a) into the kernels' marked blocks, each
with the arguments its marker declares::

    # pool.forward(desk=up, slot=i) {
    ...                                  (written here)
    # } pool.forward

and (b) into the njit functions of :mod:`.pool_api`, which the tests call. With
``--check`` nothing is written: the files that differ from their expansion are listed
and the exit code is 1 (a block edited by hand, a template changed without running this).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .pool_ops import IMPORTS, OPERATIONS, Operation

KERNELS = Path(__file__).resolve().parent
API = KERNELS / "pool_api.py"
NOT_KERNELS = {"pool_ops.py", "generate.py", API.name}  # the templates, this module, the functions

_API_HEAD = '''"""The decision pool's operations as functions, for the tests: written by ``generate``.

Generated from the templates of :mod:`.pool_ops` by ``python -m resilience_sim.kernels.generate``:
the same text as the kernels' blocks, so that the tests run the code the kernels run. Do not edit.
"""

from numba import njit

'''
_BEGIN = re.compile(r"^(?P<indent>[ ]*)# pool\.(?P<op>\w+)\((?P<args>[^)]*)\) \{$")
_END = re.compile(r"^[ ]*# \} pool\.(?P<op>\w+)$")


@dataclass(frozen=True)
class Block:
    """A marked block of a kernel: lines ``first``..``last`` (0-based, markers included)."""

    op: Operation
    values: dict[str, str]
    indent: str
    first: int
    last: int


def _arguments(args: str, where: str) -> dict[str, str]:
    """A marker's ``name=expression`` arguments, as text."""
    try:
        call = ast.parse(f"f({args})", mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"{where}: unreadable arguments {args!r}") from e
    if call.args or any(kw.arg is None for kw in call.keywords):
        raise ValueError(f"{where}: arguments must be name=expression")
    return {kw.arg: ast.unparse(kw.value) for kw in call.keywords}


def blocks(lines: list[str], path: str = "<text>") -> list[Block]:
    """The marked blocks of a module's ``lines``, in order.

    Raises:
        ValueError: an unknown operation, a block left open or closed by another name.

    """
    found = []
    j = 0
    while j < len(lines):
        begin = _BEGIN.match(lines[j])
        j += 1
        if not begin:
            continue
        where = f"{path}:{j}"
        op = OPERATIONS.get(begin["op"])
        if op is None:
            raise ValueError(f"{where}: no pool operation {begin['op']!r}")
        first = j - 1
        while j < len(lines) and not _END.match(lines[j]) and not _BEGIN.match(lines[j]):
            j += 1
        end = _END.match(lines[j]) if j < len(lines) else None
        if end is None or end["op"] != op.name:
            raise ValueError(f"{where}: block pool.{op.name} is not closed by '# }} pool.{op.name}'")
        found.append(Block(op, _arguments(begin["args"], where), begin["indent"], first, j))
        j += 1
    return found


def expand_blocks(text: str, path: str = "<text>") -> str:
    """``text`` with every marked block's body written from its template."""
    lines = text.splitlines(keepends=True)
    for block in reversed(blocks([line.rstrip("\n") for line in lines], path)):
        body = block.op.expand(**block.values)
        lines[block.first + 1:block.last] = [block.indent + line + "\n" for line in body.splitlines()]
    return "".join(lines)


def _function(op: Operation) -> str:
    """``op`` as an njit function of its inputs and arrays, returning its outputs."""
    body = op.expand(**{name: name for name in op.placeholders()})
    if op.outputs:
        body += f"return {', '.join(op.outputs)}\n"
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return (f"\n\n@njit(cache=True)\ndef {op.name}({', '.join((*op.inputs, *op.arrays))}):\n"
            f'    """{op.doc}"""\n{lines}')


def _imports() -> str:
    """The import lines of :mod:`.pool_api`, sorted as ruff sorts them."""
    modules: dict[str, list[str]] = {}
    for name, module in IMPORTS.items():
        modules.setdefault(module, []).append(name)
    return "".join(f"from {module} import {', '.join(sorted(names, key=lambda n: (not n.isupper(), n)))}\n"
                   for module, names in sorted(modules.items()))


def api_source() -> str:
    """The text of :mod:`.pool_api`: every operation as a function."""
    return _API_HEAD + _imports() + "".join(_function(op) for op in OPERATIONS.values())


def kernel_files() -> list[Path]:
    """The kernel modules that may hold blocks."""
    return sorted(p for p in KERNELS.glob("*.py") if p.name not in NOT_KERNELS)


def expected() -> dict[Path, str]:
    """Each generated file's text as it should be: the kernels that hold blocks, and the API."""
    texts = {}
    for path in kernel_files():
        text = path.read_text()
        if blocks(text.splitlines(), path.name):
            texts[path] = expand_blocks(text, path.name)
    texts[API] = api_source()
    return texts


def stale() -> list[Path]:
    """The generated files that differ from their expansion."""
    return [path for path, text in expected().items() if not path.exists() or path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, check) the blocks and the API; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m resilience_sim.kernels.generate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is not current")
    check = parser.parse_args(argv).check
    texts = expected()
    out_of_date = [path for path, text in texts.items() if not path.exists() or path.read_text() != text]
    for path in out_of_date:
        if check:
            print(f"{path.relative_to(KERNELS.parent.parent)}: not as generated from pool_ops", file=sys.stderr)
        else:
            path.write_text(texts[path])
            print(f"wrote {path.relative_to(KERNELS.parent.parent)}")
    return 1 if check and out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())
