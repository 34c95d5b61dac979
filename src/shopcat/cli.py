"""The `shopcat` command: one entry point, each verb implemented beside the code it drives.

Verbs are imported only when called, so `shopcat validate` does not pay for importing torch.
"""

from __future__ import annotations

import importlib
import sys

VERBS = {
    "validate": ("shopcat.data.validate_cli", "cli_validate", "check a catalog file, write its rejects"),
    "simulate": ("shopcat.sim.cli", "cli_simulate", "write a simulated catalog (and images)"),
    "realism": ("shopcat.sim.realism", "main", "simulated vs real title statistics (and vocabulary growth)"),
    "train": ("shopcat.train.catalog", "cli_train", "train the best measured model on your catalog, with a model card"),
    "predict": ("shopcat.models.predict", "cli_predict", "top-k categories for a title or a file, from any saved model"),
    "cmp": ("shopcat.models.cmp", "cli_cmp", "category matching probability: which categories a search query means"),
    "serve": ("shopcat.serve.pipeline", "cli_serve", "run the Kafka categorisation pipeline"),
    "produce": ("shopcat.serve.feed", "cli_produce", "feed a Kafka topic from a catalog file"),
    "reproduce": ("shopcat.reproduce.runner", "main", "rerun the experiment notebooks into reports/"),
    "weights": ("shopcat.image.weights", "cli_weights", "seed or list the offline ImageNet weights"),
}
BENCHMARKS = {
    "tokenizer": ("shopcat.text.bench", "cli_bench_tokenizer", "titles/s per core of the Kiwi tokenizer"),
    "serve": ("shopcat.serve.bench", "cli_bench_serve", "pipeline msg/s vs the naive loop and the model ceiling"),
    "images": ("shopcat.sim.images", "cli_bench_images", "simulated images rendered per second"),
    "simulate": ("shopcat.sim.cli", "cli_bench_simulate", "time and memory to simulate a catalog"),
}


def _usage() -> str:
    lines = ["usage: shopcat VERB [args]  (shopcat VERB --help for a verb's arguments)", "", "verbs:"]
    lines += [f"  {verb:<10} {text}" for verb, (_, _, text) in VERBS.items()]
    lines += ["  bench      benchmarks that print figures:"]
    lines += [f"    bench {name:<10} {text}" for name, (_, _, text) in BENCHMARKS.items()]
    return "\n".join(lines)


def _call(module: str, function: str, argv: list[str]) -> int:
    return int(getattr(importlib.import_module(module), function)(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    verb, rest = argv[0], argv[1:]
    if verb == "bench":
        if not rest or rest[0] not in BENCHMARKS:
            print(_usage())
            return 2
        module, function, _ = BENCHMARKS[rest[0]]
        return _call(module, function, rest[1:])
    if verb not in VERBS:
        print(f"unknown verb {verb!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module, function, _ = VERBS[verb]
    return _call(module, function, rest)


if __name__ == "__main__":
    sys.exit(main())
