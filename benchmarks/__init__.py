"""Benchmark suite of resilience_sim: one entry point, ``python -m benchmarks``.

``python -m benchmarks`` (full) or ``python -m benchmarks --quick --check`` (CI, under two
minutes) measures, in one process and its children, the cost per agent-day, the share
of each stage of the day, memory per agent, the kernels against the reference, ensemble
throughput and the command line end to end. A full run keeps its record in
``benchmarks/history/`` and writes ``benchmarks/RESULTS.md`` again from the records (a quick run
keeps its record in ``benchmarks/out/`` and changes no tracked file);
``python -m benchmarks.plot JSON`` draws ``benchmarks/scaling.png``.

``python -m benchmarks.profile`` runs the scenario under Linux ``perf`` with the compiled
kernels named (see its docstring).

``python -m benchmarks.builds BASE OTHER`` compares two source trees of the kernels
(a clone, a ``git worktree``) in one process, runs interleaved: the way to tell whether a
change to a kernel is faster on a machine whose load moves separate runs by ±10 %.

To measure a given commit while the working tree is being edited, export it and run the
suite there: ``git archive C | tar -x -C DIR``, copy ``benchmarks/`` into DIR, then
``cd DIR && BENCH_SOURCE_COMMIT=$(git -C REPO rev-parse C) python -m benchmarks``.
"""
