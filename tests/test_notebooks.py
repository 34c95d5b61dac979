"""Every notebook, end to end, on the smoke profile: what `make reproduce PROFILE=smoke` does, into a temp folder.

The notebooks run in DAG order in one shared temporary project state, so a notebook that reads what an
earlier one saved (the serving notebook reads notebook 01's model) is tested the way make runs it.
"""

import json

import pytest

from shopcat.reproduce.runner import list_notebooks, reproduce
from shopcat.text.word2vec import VARIANTS as W2V_VARIANTS

NOTEBOOKS = [nb.stem for nb in list_notebooks()]


@pytest.fixture(scope="module")
def smoke_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("smoke")
    patch = pytest.MonkeyPatch()
    patch.setenv("SHOPCAT_MODELS", str(base / "models"))
    patch.setenv("SHOPCAT_DATA", str(base / "data"))
    yield base / "reports"
    patch.undo()


# Per notebook: the rows its smoke report must hold (metric table -> key -> values), and its claim parts.
CMP, NAME, PEER = "TextCNN (name + mall)", "TextCNN (name)", "TF-IDF + linear SVM (name + mall)"
FUSED = "fused (name + mall + image)"
EXPECTED = {
    "00_catalog_overview": {"rows": {}, "parts": 2},
    "01_baseline_vs_human": {"rows": {("per_system", "system"): {CMP, NAME, PEER, "rule (mall category similarity)",
                                                                "simulated annotator", "fastText (name + mall)",
                                                                "n-gram bag (fastText-style, ours)",
                                                                "TextCNN + n-gram bag",
                                                                "average of the four neural models",
                                                                "wide n-gram branch (TF-IDF weighted, hinge loss; ours)",
                                                                "TextCNN + subword embeddings (name + mall)",
                                                                "TextCNN + leaf names (name + mall)",
                                                                "wide n-gram branch + leaf names (ours)",
                                                                "TF-IDF + linear SVM + leaf-name scores",
                                                                "TextCNN (name + mall), previous settings",
                                                                "TextCNN over characters (name + mall)"},
                                      ("training", "system"): {CMP, NAME, "TextCNN + n-gram bag",
                                                               "TextCNN + subword embeddings (name + mall)",
                                                               "wide n-gram branch + leaf names (ours)"}},
                             "parts": 19},
    "02_vocab_size": {"rows": {("per_k", "system"): {"1K", "all"}}, "parts": 2},
    "03_word2vec": {"rows": {("per_variant", "system"): {"random init", "Word2Vec frozen", *W2V_VARIANTS},
                             ("geometry", "system"): {"random init", "Word2Vec frozen", *W2V_VARIANTS}}, "parts": 3},
    "04_image_backbones": {"rows": {("grocery", "backbone"): {"mobilenet_v2", "resnet50"},
                                    ("sim", "backbone"): {"mobilenet_v2", "resnet50"}}, "parts": 3},
    "05_image_resolution": {"rows": {("results", "resolution"): {64, 48}}, "parts": 2},
    "06_multitask": {"rows": {("per_system", "system"): {FUSED, "name only", "mall only", "image only", PEER,
                                                         "fused, image removed", "fused, out-of-fold head",
                                                         "fused + TF-IDF branch, out-of-fold head",
                                                         "name + mall (one TextCNN, as in 01)"}}, "parts": 6},
    "07_fcl_dim_optuna": {"rows": {("per_seed", "arm"): {"small", "large"}, ("trials", "state"): {"COMPLETE"}},
                          "parts": 1},
    "08_imbalance": {"rows": {("per_system", "system"): {"none", "inverse", "effective", "resample",
                                                         "logit_adjust_loss", "logit_adjust_posthoc"},
                              ("bands", "band"): {"head", "torso", "tail"}}, "parts": 3},
    "09_trend": {"rows": {("per_system", "system"): {"all history", "last 6 months",
                                                     "recency-weighted (half-life 180 d)"},
                          ("by_kind", "kind"): {"trending", "seasonal", "non-seasonal"}}, "parts": 4},
    "10_selfie": {"rows": {("per_seed", "system"): {"plain", "small_loss", "selfie"},
                           ("audit", "group"): {"all", "clean"}}, "parts": 8},
    "11_keyword_removal": {"rows": {("ladder", "system"): {"rule (mall category similarity)", CMP, "TextCNN + SELFIE",
                                                           "TextCNN + SELFIE + keyword removal", PEER},
                                    ("removal_audit", "group"): {"all", "clean"}}, "parts": 4},
    "12_explain": {"rows": {("decoding", "decoding"): {"leaf argmax", "consistent path decoding"}}, "parts": 2},
    "13_serving_throughput": {"rows": {("naive_runs", "mode"): {"naive"}}, "parts": 3},
}
HEADER_FIELDS = ("claim", "data", "profile", "seeds", "git commit", "wall time", "merged parameters")


def test_every_notebook_has_its_expectations():
    assert set(EXPECTED) == set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_smoke_profile(name, smoke_dirs):
    from shopcat import config
    from shopcat.reproduce.verdicts import LABELS

    assert reproduce("smoke", only=[name], force=True, reports_dir=smoke_dirs) == 0
    record = json.loads((smoke_dirs / f"{name}.json").read_text(encoding="utf-8"))
    assert record["status"] == "ok"
    assert record["profile"] == "smoke"
    assert record["data"]["kind"] in ("simulated", "real") and record["data"]["name"]
    assert record["deck"] and record["ours"] and record["metrics"]
    assert len(record["verdicts"]) == EXPECTED[name]["parts"]
    assert all(v["label"] in LABELS and v["text"] in record["ours"] for v in record["verdicts"])
    for (table, key), wanted in EXPECTED[name]["rows"].items():
        have = {row[key] for row in record["metrics"][table]}
        assert wanted <= have, f"{name}: {table} lacks {wanted - have}"
    page = (smoke_dirs / f"{name}.html").read_text(encoding="utf-8")
    assert len(page) > 10_000
    assert "hl-ipython3" not in page and "report.save(" not in page, "the HTML shows code"
    header = page[page.index("shopcat-header"):]
    for field in HEADER_FIELDS:
        assert f">{field}<" in header, f"{name}: header lacks {field}"
    assert str(config.ROOT) not in page and str(smoke_dirs) not in page, "the HTML shows this machine's paths"
    assert "Warning" not in page, "the HTML shows a warning"
