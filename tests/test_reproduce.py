"""The reproduce harness on tiny notebooks: merge order, reports, skipping, failure handling, scorecard."""

import html
import json

import nbformat
import pytest

from shopcat.reproduce.params import merge_params, parse_overrides
from shopcat.reproduce.runner import reproduce
from shopcat.reproduce.scorecard import write_index

REPORT_CELL = """from shopcat.reproduce import verdicts as V
from shopcat.reproduce.report import Report, data_source
report = Report("01_tiny", params=dict(seed=seed, size=size))
if size < 0:
    raise ValueError(f"size must be >= 0, got {size}")
total = sum(range(size))
print({"total": total})
claim = V.Claim("the sum reaches 45", a="sum", unit="value", threshold=44.5, deck="45")
report.save(metrics={"total": total}, data=data_source("simulated", "none"), claim="sums", deck="45",
            verdicts=[V.judge(claim, V.Evidence(total, total, total, 1, "counted"))])"""


def write_notebook(path, params_source, body=REPORT_CELL):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# tiny"),
        nbformat.v4.new_code_cell(params_source, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nb, path)


@pytest.fixture
def project(tmp_path):
    notebooks, params, reports = tmp_path / "notebooks", tmp_path / "params", tmp_path / "reports"
    for folder in (notebooks, params / "profiles", reports):
        folder.mkdir(parents=True)
    write_notebook(notebooks / "01_tiny.ipynb", "profile = 'cpu'\nseed = 0\nsize = 3\nflag = True")
    (params / "profiles" / "smoke.yaml").write_text("profile: smoke\nseed: 1\nsize: 4\nunused_key: 9\n")
    (params / "profiles" / "cpu.yaml").write_text("profile: cpu\nseed: 2\n")
    (params / "01_tiny.yaml").write_text("size: 10\nprofiles:\n  smoke: {size: 5}\n")
    return {"notebooks_dir": notebooks, "params_dir": params, "reports_dir": reports}


def test_merge_order_defaults_profile_experiment_section_overrides(project):
    nb = project["notebooks_dir"] / "01_tiny.ipynb"
    params_dir = project["params_dir"]
    assert merge_params(nb, "cpu", None, params_dir) == {"profile": "cpu", "seed": 2, "size": 10, "flag": True}
    assert merge_params(nb, "smoke", None, params_dir) == {"profile": "smoke", "seed": 1, "size": 5, "flag": True}
    assert merge_params(nb, "smoke", {"size": 7}, params_dir)["size"] == 7
    assert "unused_key" not in merge_params(nb, "smoke", None, params_dir)


def test_parameters_cell_must_hold_literals(project):
    nb = project["notebooks_dir"] / "02_expr.ipynb"
    write_notebook(nb, "seed = 0\nsizes = list(range(3))")
    with pytest.raises(ValueError, match="sizes = list\\(range\\(3\\)\\) is not a literal"):
        merge_params(nb, "cpu", None, project["params_dir"])


def test_parse_overrides_reads_yaml_values():
    assert parse_overrides("a=3 b=0.5 c=[0,1] d=true e=text") == {
        "a": 3, "b": 0.5, "c": [0, 1], "d": True, "e": "text"}
    with pytest.raises(ValueError, match="key=value"):
        parse_overrides(["novalue"])


def test_run_writes_reports_then_skips_when_unchanged(project, capsys):
    reports = project["reports_dir"]
    assert reproduce("cpu", **project) == 0
    record = json.loads((reports / "01_tiny.json").read_text())
    assert record["status"] == "ok" and record["metrics"]["total"] == 45
    assert record["params"] == {"profile": "cpu", "seed": 2, "size": 10, "flag": True}
    assert record["profile"] == "cpu" and [v["label"] for v in record["verdicts"]] == ["reproduced"]
    assert "total" in (reports / "01_tiny.html").read_text()  # the executed output
    assert "01_tiny" in (reports / "index.html").read_text()

    capsys.readouterr()
    assert reproduce("cpu", **project) == 0
    assert "unchanged since its last successful run, skipped" in capsys.readouterr().out

    assert reproduce("cpu", overrides={"size": 4}, **project) == 0
    assert json.loads((reports / "01_tiny.json").read_text())["metrics"]["total"] == 6


def test_broken_parameter_stops_with_name_and_cell_and_index_shows_failed(project, capsys):
    code = reproduce("cpu", overrides={"size": -1}, **project)
    err = capsys.readouterr().err
    assert code == 1
    assert "01_tiny failed at cell" in err and "size must be >= 0" in err
    record = json.loads((project["reports_dir"] / "01_tiny.json").read_text())
    assert record["status"] == "failed" and record["failing_cell"] == 3
    index = (project["reports_dir"] / "index.html").read_text()
    assert "failed" in index and "size must be &gt;= 0" in index


def test_notebook_that_never_saves_its_report_is_failed(project):
    write_notebook(project["notebooks_dir"] / "02_silent.ipynb", "seed = 0", body="x = 1")
    assert reproduce("cpu", only=["02_silent"], **project) == 1
    record = json.loads((project["reports_dir"] / "02_silent.json").read_text())
    assert record["error"] == "the notebook finished without calling report.save()"


def test_unknown_override_or_notebook_is_refused(project):
    assert reproduce("cpu", overrides={"nope": 1}, **project) == 2
    assert reproduce("cpu", only=["99_missing"], **project) == 2


TIMED_CELL = """import time
from shopcat.reproduce import verdicts as V
from shopcat.reproduce.report import Report, data_source
report = Report(name, params=dict(seed=seed))
start = time.time()
time.sleep(pause)
claim = V.Claim("it waits", a="pause", unit="value", threshold=0.0, deck="-")
report.save(metrics={"start": start, "end": time.time()}, data=data_source("simulated", "none"), claim="waits",
            deck="-", verdicts=[V.judge(claim, V.Evidence(pause, pause, pause, 1, "set"))])"""


def test_jobs_run_notebooks_side_by_side_after_their_upstream_and_timed_ones_alone(project, capsys):
    notebooks, reports = project["notebooks_dir"], project["reports_dir"]
    (notebooks / "01_tiny.ipynb").unlink()
    names = ["01_a", "02_b", "03_reads_a", "04_timed"]
    for name in names:
        write_notebook(notebooks / f"{name}.ipynb", f"name = {name!r}\nseed = 0\npause = 3.0", body=TIMED_CELL)
    assert reproduce("cpu", jobs=2, upstream={"03_reads_a": ("01_a",)}, run_alone=frozenset({"04_timed"}),
                     **project) == 0
    spans = {}
    for name in names:
        record = json.loads((reports / f"{name}.json").read_text())
        assert record["status"] == "ok", name
        spans[name] = (record["metrics"]["start"], record["metrics"]["end"])

    def overlap(x, y):
        return spans[x][0] < spans[y][1] and spans[y][0] < spans[x][1]

    assert overlap("01_a", "02_b")  # two at a time
    assert spans["03_reads_a"][0] >= spans["01_a"][1]  # after the notebook it reads from
    assert not any(overlap("04_timed", other) for other in names if other != "04_timed")  # alone
    assert "2 at a time" in capsys.readouterr().out

    # a failure stops the run: nothing starts after it, the scorecard marks it
    write_notebook(notebooks / "02_b.ipynb", "name = '02_b'\nseed = 0\npause = -1.0", body=TIMED_CELL)
    assert reproduce("cpu", jobs=2, force=True, upstream={}, run_alone=frozenset(), **project) == 1
    assert "02_b failed at cell 3" in capsys.readouterr().err
    assert json.loads((reports / "02_b.json").read_text())["status"] == "failed"
    not_rerun = json.loads((reports / "04_timed.json").read_text())["metrics"]["start"]
    assert not_rerun == spans["04_timed"][0]


def test_scorecard_names_data_kind_and_unrun_experiments(tmp_path):
    from shopcat.reproduce import verdicts as V

    part = V.judge(V.Claim("cap beats all", a="20K", b="all"), V.Evidence(-0.02, -0.03, -0.01, 3, "paired over 3 seeds",
                                                                         0.6, 0.62))
    (tmp_path / "01_a.json").write_text(json.dumps({
        "name": "01_a", "status": "ok", "verdicts": [part], "deck": "65 vs 45", "ours": V.headline([part]),
        "data": {"kind": "simulated", "name": "shopcat.sim seed 0", "read": 2000, "rows": 2000, "rejected": 0},
        "notes": "a caveat", "profile": "cpu", "seed": 0}))
    page = write_index(tmp_path, ["01_a", "02_b"]).read_text()
    assert "simulated: shopcat.sim seed 0 · 2,000 rows read, 2,000 accepted, 0 rejected" in page
    assert "<b>not reproduced</b></span> cap beats all: 20K 60.0% vs all 62.0%" in page and "65 vs 45" in page
    assert "caveats: a caveat" in page
    for label, meaning in V.LABELS.items():  # the legend gives every label its one meaning
        assert f"<b>{label}</b></span>: {html.escape(meaning)}" in page
    assert page.count("not run") >= 1


def test_html_report_hides_code_and_opens_with_the_header(project):
    reports = project["reports_dir"]
    assert reproduce("cpu", **project) == 0
    page = (reports / "01_tiny.html").read_text()
    assert "report.save(" not in page and "REPORT_CELL" not in page and "size = 10" not in page  # no code input
    assert "{&#x27;total&#x27;: 45}" in page or "{'total': 45}" in page  # outputs stay
    header = page.index("shopcat-header")
    for field in ("claim", "data", "profile", "seeds", "git commit", "wall time", "merged parameters"):
        assert f">{field}<" in page[header:], field
    assert page.index("shopcat-header") < page.index("shopcat-verdicts")


def test_commit_is_read_before_the_run_and_ignores_reports(tmp_path, monkeypatch):
    import subprocess

    from shopcat import config

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.json").write_text("{}")
    (tmp_path / "src.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init")
    monkeypatch.setattr(config, "ROOT", tmp_path)
    assert not config.git_commit().endswith("+dirty")
    (tmp_path / "reports" / "a.json").write_text('{"new": 1}')  # a run rewrote a report: still clean
    assert not config.git_commit().endswith("+dirty")
    (tmp_path / "src.py").write_text("x = 2\n")  # the source changed: dirty
    assert config.git_commit().endswith("+dirty")


def test_smoke_and_gpu_profiles_never_write_the_committed_reports():
    from shopcat import config
    from shopcat.reproduce.runner import profile_reports_dir

    assert profile_reports_dir("cpu") == config.REPORTS_DIR
    for profile in ("smoke", "gpu"):
        assert profile_reports_dir(profile) == config.REPORTS_DIR / profile
    ignored = (config.ROOT / ".gitignore").read_text().split()
    assert "reports/smoke/" in ignored and "reports/gpu/" in ignored


def test_readme_results_table_is_the_generated_one():
    from shopcat.reproduce.scorecard import readme_table, readme_table_in

    assert readme_table_in() == readme_table(), "run `python -m shopcat.reproduce.scorecard --write-readme`"


def test_benchmark_files_share_their_provenance_fields(tmp_path):
    import numpy as np

    from shopcat.reproduce.report import write_benchmark

    path = write_benchmark(tmp_path / "benchmarks" / "x.json", {"images_per_s": np.float32(2.5), "n": 3})
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["images_per_s"] == 2.5 and record["n"] == 3
    for key in ("git_commit", "python", "machine", "cpu_count", "written_at"):
        assert record[key], key
