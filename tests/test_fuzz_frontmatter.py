"""Property test (issue 16): 10,000 generated hostile report files, read as the build reads
their front matter, fail only with congressgen's own error type — never a traceback, a
hang or a MemoryError. The generator is seeded (tests/frontmatter_fuzz.py), so a failure
reproduces; benchmarks/fuzz_frontmatter.py runs 100,000 cases with other seeds."""

from __future__ import annotations

import time

from frontmatter_fuzz import case, read_case, run


def test_ten_thousand_generated_front_matters_raise_only_the_project_error():
    started = time.perf_counter()
    count, refused, crashes = run(10_000, seed=16)
    assert count == 10_000
    shown = [f"case {i}: {type(e).__name__}: {e}\n{raw[:300]!r}" for i, e, raw in crashes[:3]]
    assert not crashes, "\n\n".join(shown)
    # the cases are not all refused: many reach validation and the fingerprint
    assert 0 < refused < count
    assert time.perf_counter() - started < 60      # a hang or an exponential walk would show


def test_the_generator_makes_the_issue_crash_shapes():
    """The shapes the issue's fuzzer crashed on are among the generated cases."""
    import random

    rng = random.Random(16)
    texts = [case(rng) for _ in range(2_000)]
    assert any(b"!!timestamp" in t for t in texts)
    assert any(b"{~: 1, b: 2}" in t for t in texts)
    assert any(b"&b0" in t for t in texts)
    read_case("---\ntitle: 报告\ndate: 2024-04-26\nx: {~: 1, b: 2}\n---\n\n正文\n".encode())
