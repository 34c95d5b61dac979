"""`shopcat simulate`: write a simulated catalog to Parquet and print how long it took and how much memory.

    python -m shopcat.sim.cli --products 1000000 --seed 0 --out /tmp/sim1m.parquet
    python -m shopcat.sim.cli --products 2000 --out /tmp/s.parquet --images /tmp/img --resolution 224 --limit 500

Peak memory is the process's maximum resident set size (getrusage), interpreter and libraries included.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def render_to_files(df, folder: Path, size: int, limit: int, seed: int, image_source: str = "synthetic"):
    """Render the first `limit` products' images into folder and point their `image` column at the files.

    image_source="photos" draws the shared grocery photos for the leaves they cover; the rest stay synthetic.
    """
    from shopcat.sim.images import grocery_photo_source, image_file_name, save_images

    source = grocery_photo_source() if image_source == "photos" else None
    rows = df.iloc[:limit]
    per_second = save_images(rows["product_id"], rows["true_category"], folder, size, seed=seed, source=source)
    df.loc[rows.index, "image"] = [str(Path(folder) / image_file_name(pid)) for pid in rows["product_id"]]
    return len(rows), len(rows) / per_second


def cli_simulate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat simulate", description="Write a simulated catalog (Parquet).")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output .parquet file")
    parser.add_argument("--taxonomy", default=None, help="'naver' or a naver_categories.json path; default built-in")
    parser.add_argument("--noise-rate", type=float, default=None)
    parser.add_argument("--imbalance-ratio", type=float, default=None)
    parser.add_argument("--images", default=None, help="folder to render product images into")
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--limit", type=int, default=1000, help="render images for at most this many products")
    parser.add_argument("--image-source", choices=["synthetic", "photos"], default="synthetic",
                        help="photos: real grocery photos for the leaves they cover (from the shared data)")
    parser.add_argument("--bench-json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from shopcat.sim import simulate_catalog, write_parquet

    overrides = {k: v for k, v in (("noise_rate", args.noise_rate), ("imbalance_ratio", args.imbalance_ratio))
                 if v is not None}
    t0 = time.perf_counter()
    df = simulate_catalog(args.products, seed=args.seed, taxonomy=args.taxonomy, **overrides)
    t_sim = time.perf_counter() - t0
    figures = {"products": args.products, "seed": args.seed, "taxonomy": args.taxonomy or "builtin",
               "leaves": int(df["true_category"].nunique()), "simulate_seconds": round(t_sim, 2)}
    if args.images:
        n_img, t_img = render_to_files(df, Path(args.images), args.resolution, args.limit, args.seed,
                                       args.image_source)
        figures.update(images=n_img, resolution=args.resolution, render_seconds=round(t_img, 2),
                       images_per_second=round(n_img / max(t_img, 1e-9), 1))
        print(f"rendered {n_img} images at {args.resolution}px in {t_img:.2f} s: "
              f"{n_img / max(t_img, 1e-9):.1f} images/s (PNG writing included)")
    t1 = time.perf_counter()
    write_parquet(df, args.out)
    figures["write_seconds"] = round(time.perf_counter() - t1, 2)
    figures["wall_seconds"] = round(time.perf_counter() - t0, 2)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)  # fairer than wall on a busy machine
    figures["file_mb"] = round(Path(args.out).stat().st_size / 2**20, 1)
    print(f"wrote {len(df):,} products ({figures['leaves']} leaves) to {args.out}: "
          f"simulate {t_sim:.2f} s, write {figures['write_seconds']:.2f} s, wall {figures['wall_seconds']:.2f} s "
          f"(process CPU incl. imports {figures['cpu_seconds']:.2f} s), "
          f"peak memory {figures['peak_rss_mb']:.0f} MB, file {figures['file_mb']} MB")
    if args.bench_json:
        from shopcat.reproduce.report import write_benchmark

        write_benchmark(args.bench_json, {**figures, "command": "python -m shopcat.sim.cli " + " ".join(argv)})
    return 0


def cli_bench_simulate(argv: list[str]) -> int:
    """`shopcat bench simulate`: the issue's 1M-product figure, written to reports/benchmarks/simulate.json."""
    import tempfile

    from shopcat.config import REPORTS_DIR

    with tempfile.TemporaryDirectory() as tmp:
        defaults = ["--products", "1000000", "--seed", "0", "--out", str(Path(tmp) / "catalog.parquet"),
                    "--bench-json", str(REPORTS_DIR / "benchmarks" / "simulate.json")]
        return cli_simulate(defaults + argv)


if __name__ == "__main__":
    sys.exit(cli_simulate(sys.argv[1:]))
