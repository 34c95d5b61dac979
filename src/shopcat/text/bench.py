"""`shopcat bench tokenizer`: how many simulated titles per second one core turns into tokens.

The figure starts from an empty cache and includes every Kiwi call of the run (the cache is what makes
it fast, so a warm cache would flatter it; the warm figure is printed apart). Loading Kiwi's model (about
2 s, once per process) is printed apart too. Per-core throughput divides by the CPU seconds the process
and its workers used, so a busy machine does not lower it and extra threads do not raise it; the
wall-clock rate is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import time

from shopcat import config
from shopcat.text.tokenizer import Tokenizer


def simulated_titles(n: int, seed: int = 0) -> list[str]:
    from shopcat.sim import simulate_catalog

    return simulate_catalog(n, seed=seed)["title"].astype(str).tolist()


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the workers when workers > 1)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bench_tokenizer(titles: list[str], kind: str = "kiwi", workers: int = 1, repeats: int = 3) -> dict:
    """Cold-cache throughput, `repeats` times with a fresh tokenizer (the median is the figure), then warm."""
    start = time.perf_counter()
    if kind == "kiwi":
        Tokenizer(kind=kind).kiwi()  # loaded once per process and shared by the fresh tokenizers below
    load_s = time.perf_counter() - start

    runs = []
    for _ in range(repeats):
        tokenizer = Tokenizer(kind=kind)
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        tokens = tokenizer.tokenize_many(titles, workers=workers)
        runs.append((time.perf_counter() - wall0, _cpu_seconds() - cpu0))
    wall, cpu = sorted(runs, key=lambda run: run[1])[len(runs) // 2]  # the median run by CPU time
    cpu0 = _cpu_seconds()
    tokenizer.tokenize_many(titles, workers=1)  # again, every chunk cached: the serving case
    warm_cpu = _cpu_seconds() - cpu0
    n = len(titles)
    return dict(
        kind=kind, workers=workers, titles=n, repeats=repeats, wall_s=round(wall, 3), cpu_s=round(cpu, 3),
        cpu_s_all_runs=[round(c, 3) for _, c in runs],
        titles_per_s_wall=round(n / wall), titles_per_s_per_core=round(n / max(cpu, 1e-9)),
        titles_per_s_per_core_warm=round(n / max(warm_cpu, 1e-9)), model_load_s=round(load_s, 3),
        unique_chunks=len(tokenizer._chunks), unique_kiwi_words=len(tokenizer._words) if kind == "kiwi" else None,
        tokens_per_title=round(sum(map(len, tokens)) / max(n, 1), 2),
    )


def cli_bench_tokenizer(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat bench tokenizer", description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=200_000, help="simulated titles to tokenize")
    parser.add_argument("--workers", type=int, default=1, help="processes for the Kiwi analysis")
    parser.add_argument("--kind", default="kiwi", choices=["kiwi", "whitespace", "char"])
    parser.add_argument("--repeats", type=int, default=3, help="cold runs; the median is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(config.REPORTS_DIR / "benchmarks" / "tokenizer.json"))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    titles = simulated_titles(args.titles, args.seed)
    print(f"simulated {len(titles):,} titles in {time.perf_counter() - start:.1f} s")
    result = bench_tokenizer(titles, kind=args.kind, workers=args.workers, repeats=args.repeats)
    print(f"kind={result['kind']} workers={result['workers']}: {result['titles']:,} titles in "
          f"{result['wall_s']:.2f} s wall, {result['cpu_s']:.2f} s CPU, median of {result['repeats']} cold runs "
          f"(CPU s: {result['cpu_s_all_runs']}; "
          f"model load {result['model_load_s']:.2f} s not counted)")
    if result["unique_kiwi_words"] is not None:
        print(f"unique chunks {result['unique_chunks']:,}, unique Kiwi words {result['unique_kiwi_words']:,}, "
              f"tokens/title {result['tokens_per_title']}")
    print(f"titles/s wall: {result['titles_per_s_wall']:,}")
    print(f"titles/s per core, warm cache (the same titles again): {result['titles_per_s_per_core_warm']:,}")
    print(f"titles/s per core: {result['titles_per_s_per_core']:,}")

    result.update(command="shopcat bench tokenizer " + " ".join(argv), seed=args.seed,
                  source="shopcat.sim.simulate_catalog")
    from shopcat.reproduce.report import write_benchmark

    print(f"wrote {write_benchmark(args.out, result)}")
    return 0
