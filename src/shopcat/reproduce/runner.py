"""Rerun the experiment notebooks into reports/: `make reproduce` calls this.

Notebooks run in the order of their number, which is the order of the analysis DAG (a notebook only
reads what lower-numbered ones wrote). Each run is keyed by the notebook file, its merged parameters,
the package source and the keys of the notebooks upstream of it; an unchanged key whose last run
succeeded is skipped, so a rerun with nothing changed takes seconds. A failing notebook stops the run
with its name and the failing cell, and the scorecard marks it failed.

With `jobs` > 1 several notebooks run at once, each in its own kernel: most train single-threaded, so on
the 2-core machine two at a time nearly halve the cpu profile. A notebook then starts once the notebooks
it reads from (UPSTREAM) have finished, and the ones that report speeds or use every core (RUN_ALONE)
run with nothing beside them. Numbers do not depend on `jobs`: every notebook fixes its own seeds and
thread count.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from shopcat import config
from shopcat.reproduce.params import PROFILES, merge_params, parse_overrides
from shopcat.reproduce.render import header_block
from shopcat.reproduce.scorecard import write_index

# Edges of the analysis DAG: what a notebook reads that another one writes (the saved models). They key the
# reruns (a new model reruns its readers) and order the notebooks when several run at once.
UPSTREAM = {
    "12_explain": ("06_multitask",),  # Grad-CAM on models/fused/latest
    "13_serving_throughput": ("01_baseline_vs_human", "06_multitask"),  # serves models/text and models/fused
}
# Notebooks never run beside another: 05, 06 and 13 report speeds (images/s, products/s, messages/s), and 04
# trains with torch's default of one thread per core, which stalls when another process holds a core.
RUN_ALONE = frozenset({"04_image_backbones", "05_image_resolution", "06_multitask", "13_serving_throughput"})
HTML_LIMIT_BYTES = 5 * 1024 * 1024


class NotebookFailed(RuntimeError):
    pass


def profile_reports_dir(profile: str) -> Path:
    """reports/ for the cpu profile (committed), reports/<profile>/ for the others (git-ignored)."""
    return config.REPORTS_DIR if profile == "cpu" else config.REPORTS_DIR / profile


def list_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    return sorted(Path(notebooks_dir or config.NOTEBOOKS_DIR).glob("[0-9][0-9]_*.ipynb"))


def source_hash(src_dir: Path | None = None) -> str:
    """A hash of the package's Python source: a change anywhere in src/shopcat reruns everything."""
    src_dir = Path(src_dir or config.ROOT / "src" / "shopcat")
    digest = hashlib.sha256()
    for path in sorted(src_dir.rglob("*.py")):
        digest.update(str(path.relative_to(src_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_key(notebook: Path, params: dict, profile: str, src: str, upstream_keys: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    digest.update(profile.encode())
    digest.update(src.encode())
    data = params.get("data")
    if isinstance(data, str) and data not in ("sim", "naver-api"):  # a user's file: its bytes, not its name
        from shopcat.data.sources import catalog_fingerprint

        digest.update(catalog_fingerprint(data).encode())
    for key in upstream_keys:
        digest.update(key.encode())
    return digest.hexdigest()


def _state_path(reports_dir: Path, name: str) -> Path:
    return reports_dir / ".state" / f"{name}.json"


def _last_good_key(reports_dir: Path, name: str) -> str | None:
    state = _state_path(reports_dir, name)
    html, report = reports_dir / f"{name}.html", reports_dir / f"{name}.json"
    if not (state.exists() and html.exists() and report.exists()):
        return None
    if json.loads(report.read_text(encoding="utf-8")).get("status") != "ok":
        return None
    return json.loads(state.read_text(encoding="utf-8")).get("key")


def to_html(executed: Path, html: Path, record: dict | None = None) -> int:
    """The executed notebook as one self-contained HTML page for a reviewer; returns its size in bytes.

    Code inputs and prompts are hidden, stderr (warnings, progress bars) is left out, the run's header
    block (claim, data, provenance, merged parameters) goes first, and absolute paths are made relative.
    """
    import nbconvert
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream"
                                                                      and o.get("name") == "stderr")]
    if record is not None:
        header = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": header_block(record)})])
        nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, header)
    exporter = nbconvert.HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    html.write_text(config.display_path(body), encoding="utf-8")
    return html.stat().st_size


def _failing_cell(executed: Path) -> tuple[int | None, str]:
    """1-based number, in the source notebook, and first line of the cell that raised.

    Papermill's executed copy has extra cells (injected parameters, an error banner); they are not counted.
    """
    import nbformat

    if not executed.exists():
        return None, ""
    added = {"injected-parameters", "papermill-error-cell-tag"}
    cells = [c for c in nbformat.read(executed, as_version=4).cells if not added & set(c.metadata.get("tags", []))]
    for number, cell in enumerate(cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return number, cell.source.splitlines()[0] if cell.source else ""
    return None, ""


def run_one(
    notebook: Path, params: dict, profile: str, key: str, reports_dir: Path, kernel: str = "python3"
) -> dict:
    """Execute one notebook with papermill, convert it to HTML and complete its report JSON."""
    import papermill

    name = notebook.stem
    executed = reports_dir / f"{name}.ipynb"
    report_path = reports_dir / f"{name}.json"
    started = time.time()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            kernel_name=kernel,
            cwd=str(notebook.parent),
            progress_bar=False,
        )
        error = None
    except papermill.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    wall = round(time.time() - started, 1)

    record = {}
    if report_path.exists() and report_path.stat().st_mtime >= started:
        record = json.loads(report_path.read_text(encoding="utf-8"))
    elif not error:  # absent, or left over from an earlier run: this run never reached report.save()
        error = "the notebook finished without calling report.save()"
    record.update(
        name=name,
        profile=profile,
        params=params,
        run_wall_time_s=wall,
        git_commit=config.run_commit(),
        run_key=key,
        html=f"{name}.html",
    )
    if error:
        cell, first_line = _failing_cell(executed)
        record.update(status="failed", error=error, failing_cell=cell, failing_cell_source=first_line)
    else:
        record["status"] = "ok"
    report_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if executed.exists():
        to_html(executed, reports_dir / f"{name}.html", record)
    if error:
        where = f"cell {record['failing_cell']} ({record['failing_cell_source']!r})"
        raise NotebookFailed(f"{name} failed at {where}: {error}")

    html_size = (reports_dir / f"{name}.html").stat().st_size
    if html_size > HTML_LIMIT_BYTES:
        print(f"warning: {name}.html is {html_size / 1e6:.1f} MB, over the 5 MB a report should stay under")
    state = _state_path(reports_dir, name)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"key": key, "finished_at": time.time()}), encoding="utf-8")
    return record


def reproduce(
    profile: str = "cpu",
    only: list[str] | None = None,
    overrides: dict | None = None,
    force: bool = False,
    notebooks_dir: Path | None = None,
    params_dir: Path | None = None,
    reports_dir: Path | None = None,
    jobs: int = 1,
    upstream: dict[str, tuple[str, ...]] | None = None,
    run_alone: frozenset[str] = RUN_ALONE,
) -> int:
    """Run the selected notebooks in DAG order, up to `jobs` at once; returns a process exit code.

    Only the cpu profile writes into reports/ (the committed reports); smoke and gpu runs go to
    reports/<profile>/, which git ignores, so a CI or GPU run never overwrites the committed figures.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    upstream = UPSTREAM if upstream is None else upstream
    reports_dir = Path(reports_dir or profile_reports_dir(profile))
    reports_dir.mkdir(parents=True, exist_ok=True)
    os.environ["SHOPCAT_REPORTS"] = str(reports_dir)  # the kernels write their JSON here
    os.environ["SHOPCAT_GIT_COMMIT"] = config.git_commit()  # read before any notebook writes a file
    # a relative data path means the user's directory, not notebooks/ where the kernels run (make -C keeps PWD)
    os.environ.setdefault("SHOPCAT_CALLER_CWD", os.environ.get("PWD") or os.getcwd())
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebooks = list_notebooks(notebooks_dir)
    if only:
        wanted = set(only)
        unknown = wanted - {nb.stem for nb in notebooks}
        if unknown:
            print(f"no notebook named {', '.join(sorted(unknown))}; have: {', '.join(nb.stem for nb in notebooks)}")
            return 2
        notebooks = [nb for nb in notebooks if nb.stem in wanted]

    merged = {nb.stem: merge_params(nb, profile, overrides, params_dir) for nb in notebooks}
    unused = set(overrides or {}) - {k for params in merged.values() for k in params}
    if unused:
        print(f"no selected notebook has a parameter named {', '.join(sorted(unused))}")
        return 2

    src = source_hash()
    keys: dict[str, str] = {}
    all_names = [nb.stem for nb in list_notebooks(notebooks_dir)]
    pending = []
    for nb in notebooks:
        name = nb.stem
        upstream_keys = [keys.get(up) or _last_good_key(reports_dir, up) or ""
                         for up in upstream.get(name, ())]
        keys[name] = run_key(nb, merged[name], profile, src, upstream_keys)
        if not force and _last_good_key(reports_dir, name) == keys[name]:
            print(f"{name}: unchanged since its last successful run, skipped")
        else:
            pending.append(nb)

    started = time.time()
    running: dict[Future, str] = {}
    exit_code = 0
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) if jobs > 1 else None
    try:
        while pending or running:
            for nb in _startable(pending, set(running.values()), jobs, upstream, run_alone):
                pending.remove(nb)
                print(f"{nb.stem}: running (profile {profile})", flush=True)
                args = (nb, merged[nb.stem], profile, keys[nb.stem], reports_dir)
                running[pool.submit(run_one, *args) if pool else _done_now(run_one, *args)] = nb.stem
            if not running:  # cannot happen while UPSTREAM only points to lower numbers; never spin
                raise RuntimeError(f"no notebook can start: {[nb.stem for nb in pending]} wait on each other")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                try:
                    record = future.result()
                except NotebookFailed as exc:
                    print(f"FAILED {exc}", file=sys.stderr)
                    exit_code = 1
                    pending.clear()  # start nothing more; the ones running finish
                    continue
                print(f"{name}: ok in {record['run_wall_time_s']} s -> {reports_dir / (name + '.html')}")
                write_index(reports_dir, all_names)  # the scorecard follows a long run as it goes
    finally:
        if pool:
            pool.shutdown()
    if len(notebooks) > 1:
        print(f"all selected notebooks: {time.time() - started:.0f} s wall time, {jobs} at a time")
    index = write_index(reports_dir, all_names)
    print(f"scorecard: {index}")
    return exit_code


def _startable(pending: list[Path], running: set[str], jobs: int, upstream: dict, run_alone) -> list[Path]:
    """The pending notebooks that may start now, in number order.

    A notebook waits for its upstream notebooks of this run (pending or running); one in `run_alone` starts
    only on an idle machine and holds it; the others fill the free slots. With jobs=1 this is plain number
    order."""
    waiting_for = running | {nb.stem for nb in pending}
    chosen: list[Path] = []
    for nb in pending:
        busy = running | {c.stem for c in chosen}
        if len(busy) >= jobs or busy & run_alone:
            break
        if any(up in waiting_for for up in upstream.get(nb.stem, ())):
            continue
        if nb.stem in run_alone and busy:
            continue
        chosen.append(nb)
    return chosen


def _done_now(fn, *args) -> Future:
    """fn(*args) run here and now, as a finished Future (jobs=1: no second process)."""
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except NotebookFailed as exc:
        future.set_exception(exc)
    return future


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopcat.reproduce.runner", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="cpu", choices=PROFILES)
    parser.add_argument("--only", default="", help="space- or comma-separated notebook names (without .ipynb)")
    parser.add_argument("--set", default="", help='overrides "key=value key2=value2", values read as YAML')
    parser.add_argument("--force", action="store_true", help="rerun even when nothing changed")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks run at once (RUN_ALONE ones, which time speeds or use every core, "
                             "still run alone)")
    args = parser.parse_args(argv)
    only = [n for n in args.only.replace(",", " ").split() if n]
    return reproduce(args.profile, only or None, parse_overrides(args.set), args.force, jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
