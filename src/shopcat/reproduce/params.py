"""Parameters of a notebook run, merged in one documented order.

notebook `parameters` cell defaults < params/profiles/<profile>.yaml < params/<notebook>.yaml
< that file's `profiles: {<profile>: ...}` section < command-line overrides.

Only names the notebook declares in its parameters cell are kept, so a profile may hold keys that
some notebooks do not use. The merged dict is what papermill injects and what the report records.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from shopcat import config

PROFILES = ("smoke", "cpu", "gpu")


def notebook_defaults(notebook: Path) -> dict:
    """The defaults of the notebook's cell tagged `parameters`, as papermill reads them."""
    import papermill

    defaults = {}
    for name, spec in papermill.inspect_notebook(str(notebook)).items():
        try:
            defaults[name] = ast.literal_eval(spec["default"])
        except (ValueError, SyntaxError) as exc:
            raise ValueError(
                f"{notebook.name}: parameter {name} = {spec['default']} is not a literal; "
                "a parameters cell holds plain default values only"
            ) from exc
    return defaults


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(content, dict):
        raise ValueError(f"{path} must hold a mapping of parameter names to values")
    return content


def parse_overrides(pairs: list[str] | str | None) -> dict:
    """'key=value' pairs from the command line; values are read as YAML, so 3, 0.1, [0,1] and true work."""
    if not pairs:
        return {}
    if isinstance(pairs, str):
        pairs = pairs.split()
    overrides = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"override {pair!r} is not of the form key=value")
        key, value = pair.split("=", 1)
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


def merge_params(
    notebook: Path,
    profile: str = "cpu",
    overrides: dict | None = None,
    params_dir: Path | None = None,
) -> dict:
    """The parameters a run of `notebook` gets under `profile`, defaults first, overrides last."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
    params_dir = Path(params_dir or config.PARAMS_DIR)
    defaults = notebook_defaults(notebook)
    experiment = _read_yaml(params_dir / f"{notebook.stem}.yaml")
    per_profile = experiment.pop("profiles", {}) or {}
    layers = [
        _read_yaml(params_dir / "profiles" / f"{profile}.yaml"),
        experiment,
        per_profile.get(profile, {}) or {},
    ]
    merged = dict(defaults)
    for layer in layers:
        merged.update({k: v for k, v in layer.items() if k in defaults})
    merged.update({k: v for k, v in (overrides or {}).items() if k in defaults})
    if "profile" in defaults:
        merged["profile"] = profile
    return merged
