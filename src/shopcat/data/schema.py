"""The catalog table every part of shopcat reads, and the checks that keep bad rows out of it.

A catalog is one DataFrame with the columns in COLUMNS (plus optional `true_category` and any extra
columns, which are kept). Files are read as text first, so one row with broken bytes or a stray comma
becomes a rejection of that row instead of a crash of the whole file. The contract is what a real catalog
fits: only product_id, title and category are required; a notebook that needs more says so with
`require_columns(df, [...], who="09_trend")`. Every input row ends up either
accepted or in the rejects table (row number, product_id, field, reason, detail, value): nothing is
dropped silently. A file that cannot be read at all raises CatalogError with one sentence naming it.

Rules worth knowing:
- a row is rejected for its first problem, fields checked in COLUMNS order, then true_category, then
  extra columns (encoding only), then duplicate product_ids among the rows that passed everything else;
- `mall_category`, `image`, `registered_at` and `seller_id` may be empty, and a file may leave them out
  entirely (they are then filled with '' or NaT, so every catalog has the same columns);
- CSV text is UTF-8 (with or without BOM) or CP949/EUC-KR (what Korean Excel writes), detected from the
  bytes unless the caller names the encoding; rows with bytes the encoding cannot decode are rejected;
- ids, categories, image and dates are stripped of surrounding spaces, titles are kept as given;
- category paths have 1 or more levels ('Fashion', 'a>b', 'a>b>c>d>e'); `min_depth`/`max_depth` narrow
  that when a caller's model needs it, and a taxonomy, when given, must hold the path as a leaf; spaces
  around '>' are removed;
- registered_at: ISO dates ('2025-10-30', '2025/10/30', '2025-10-30T12:00+09:00', '20251030') and the
  Korean forms ('2025.10.30', '2025. 10. 30.', '2025년 10월 30일', '2025. 10. 30. 오후 2:05:00'), year
  first; zoned times are converted to UTC and stored without zone. Dates before 2000-01-01 are rejected
  (they are placeholder values like 1970-01-01 or 1900-01-01, not real listings: Naver Shopping opened
  in 2003) and so are dates more than one day in the future (one day absorbs time zones and clock skew);
- product_id must be text or a whole number: a float (1.5), or text that looks like one ('1.5',
  '8.60141E+10', what a spreadsheet makes of a long id) is a wrong type; lists and dicts in a text field
  are wrong types too;
- image is '', an http(s) URL, or a path ending in an image extension (.jpg, .png, .webp, ...);
- titles have at most MAX_TITLE_CHARS characters; control characters (NUL, ESC, ...) reject a row.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from shopcat.data.taxonomy import SEP, Taxonomy

COLUMNS = ["product_id", "title", "mall_category", "image", "category", "registered_at", "seller_id"]
REQUIRED = ["product_id", "title", "category"]
MAY_BE_ABSENT = ["mall_category", "image", "registered_at", "seller_id"]  # filled with '' / NaT when absent
OPTIONAL = ["true_category"]
REJECT_COLUMNS = ["row", "product_id", "field", "reason", "detail", "value"]

MAX_TITLE_CHARS = 1000
MIN_DEPTH = 1  # a flat catalog ('Fashion', 'Food') is a catalog; callers may ask for more
ENCODINGS = ["utf-8", "cp949"]  # tried in this order; cp949 is a superset of EUC-KR
EARLIEST_DATE = pd.Timestamp("2000-01-01")
FUTURE_MARGIN = pd.Timedelta(days=1)
SHOWN_VALUE_CHARS = 80

# Python's re works on object columns, which can hold undecodable bytes; the text patterns after the first
# two are plain strings so that pandas runs them with Arrow on clean text columns, many times faster.
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by 'surrogateescape'
_BAD_TEXT = re.compile("[\udc80-\udcff\ufffd]")  # ... or the replacement character a bad decoder left
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_FLOAT_TEXT = r"[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)"
_URL = r"(?i)https?://[^\s/?#]+\S*"
_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.-]*://"
_IMAGE_PATH = r"(?i)[^\n\r\t]*\.(jpe?g|png|gif|webp|bmp|tiff?)"


class CatalogError(ValueError):
    """A file that cannot be read as a catalog at all. The message is one sentence that names the file."""


# ---------------------------------------------------------------------------------------------- reading


def read_catalog(path, taxonomy: Taxonomy | None = None, rejects_path=None, now=None, encoding=None,
                 min_depth: int = MIN_DEPTH, max_depth: int | None = None) -> pd.DataFrame:
    """The accepted rows of a Parquet or CSV catalog. Rejected rows go to `rejects_path` (CSV) when given,
    else a warning says how many there were and why. A file whose every row is rejected is an error."""
    accepted, rejects = read_catalog_and_rejects(path, taxonomy=taxonomy, now=now, encoding=encoding,
                                                 min_depth=min_depth, max_depth=max_depth)
    report_rejects(rejects, path, rejects_path)
    require_accepted_rows(accepted, rejects, f"Catalog file '{path}'")
    return accepted


def read_catalog_and_rejects(path, taxonomy: Taxonomy | None = None, now=None, encoding=None,
                             min_depth: int = MIN_DEPTH, max_depth: int | None = None):
    """(accepted, rejects) for a Parquet or CSV catalog file. `encoding` None detects it (CSV only)."""
    frame, rows, early_rejects, found = read_table(path, encoding=encoding)
    check_columns(frame.columns, f"Catalog file '{path}'")
    accepted, rejects = validate_catalog(frame, taxonomy, rows=rows, now=now, encoding=found or "utf-8",
                                         min_depth=min_depth, max_depth=max_depth)
    if found:
        accepted.attrs["encoding"] = found  # what detection chose, for `shopcat validate` to say
    return accepted, concat_rejects(early_rejects, rejects)


class NoUsableRows(CatalogError):
    """Rows were read, and every one of them was rejected."""


def require_accepted_rows(accepted: pd.DataFrame, rejects: pd.DataFrame, source: str, rejects_path=None) -> None:
    """Stop with one sentence when rows were read but none survived: what follows would fail anyway, later
    and with an error that says nothing about the data."""
    if len(accepted) == 0 and len(rejects) > 0:
        top = rejection_counts(rejects).iloc[0]
        where = f"; the rejects are in {rejects_path}" if rejects_path else ""
        raise NoUsableRows(
            f"{source} has no usable row: all {len(rejects)} rows were rejected, most for "
            f"{top.field}: {top['reason']} ({top.rows} rows){where}."
        )


def report_rejects(rejects: pd.DataFrame, source, rejects_path=None) -> None:
    """Write the rejects when a path is given; otherwise warn, so no row disappears without a word."""
    if rejects_path is not None:
        write_rejects(rejects, rejects_path)
    elif len(rejects):
        warnings.warn(f"{source}: {len(rejects)} rows rejected ({rejection_summary(rejects)})", stacklevel=3)


def read_table(path, encoding: str | None = None) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, str | None]:
    """A file as a raw table: (frame, 1-based row numbers, rejects for rows the CSV parser could not use,
    the text encoding used, None for Parquet).

    Parquet keeps its column types; CSV values are all text. Raises CatalogError for an unreadable file.
    """
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"Catalog file '{path}' does not exist.")
    if path.is_dir():
        raise CatalogError(f"Catalog file '{path}' is a directory, not a file.")
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise CatalogError(f"Catalog file '{path}' is empty.")
    if head == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return (*_read_parquet(path), None)
    return _read_csv(path, delimiter="\t" if path.suffix.lower() == ".tsv" else ",", encoding=encoding)


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name) for a text file's bytes. Bytes the encoding cannot decode are kept as
    surrogates ('surrogateescape') so that validation rejects just the rows holding them.

    Without a given encoding: the first of ENCODINGS that decodes every byte; when none does (a file with
    a few broken rows), the one that leaves the fewest undecodable bytes, UTF-8 on a tie.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], encoding or "utf-8"
    if encoding is not None:
        try:
            return data.decode(encoding, errors="surrogateescape"), codecs.lookup(encoding).name
        except LookupError:
            raise CatalogError(f"'{encoding}' is not a text encoding Python knows.") from None
    for name in ENCODINGS:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    decoded = [(data.decode(name, errors="surrogateescape"), name) for name in ENCODINGS]
    return min(decoded, key=lambda pair: len(_UNDECODABLE.findall(pair[0])))


def _read_parquet(path: Path):
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds; all mean the same thing to the user
        raise CatalogError(
            f"Catalog file '{path}' is not a readable Parquet file ({type(exc).__name__})."
        ) from exc
    frame = frame.reset_index(drop=True)
    return frame, np.arange(1, len(frame) + 1), _empty_rejects()


def _read_csv(path: Path, delimiter: str = ",", encoding: str | None = None):
    """Parse the CSV ourselves: bytes the encoding cannot decode are kept (as surrogates) so validation can
    reject just the rows that hold them, and a row with the wrong number of fields is a rejection, not a
    crash."""
    data = path.read_bytes()
    if not data.strip():
        raise CatalogError(f"Catalog file '{path}' is empty.")
    if b"\x00" in data:
        raise CatalogError(f"Catalog file '{path}' is binary (it contains NUL bytes), not a CSV text file.")
    text, encoding = decode_text(data, encoding)
    old_limit = csv.field_size_limit(2**31 - 1)  # an over-long field is a row problem, not a file problem
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    except csv.Error as exc:
        raise CatalogError(f"Catalog file '{path}' is not a readable CSV file ({exc}).") from exc
    finally:
        csv.field_size_limit(old_limit)
    if not records:
        raise CatalogError(f"Catalog file '{path}' is empty.")
    header = [h.strip() or f"unnamed_{i}" for i, h in enumerate(records[0])]
    if _UNDECODABLE.search("".join(header)):
        raise CatalogError(f"Catalog file '{path}' has a header that is not {encoding_label(encoding)} text.")
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        raise CatalogError(f"Catalog file '{path}' has the column(s) {', '.join(doubled)} more than once.")
    good, rows, bad = [], [], []
    id_at = header.index("product_id") if "product_id" in header else None
    for number, record in enumerate(records[1:], start=1):
        if len(record) == len(header):
            good.append(record)
            rows.append(number)
        else:
            product_id = record[id_at] if id_at is not None and id_at < len(record) else ""
            bad.append(
                {
                    "row": number,
                    "product_id": product_id,
                    "field": "(row)",
                    "reason": "wrong number of fields",
                    "detail": f"{len(record)} fields where the header has {len(header)}",
                    "value": delimiter.join(record),
                }
            )
    frame = pd.DataFrame(good, columns=header, dtype=object)
    rejects = _tidy_rejects(pd.DataFrame(bad, columns=REJECT_COLUMNS)) if bad else _empty_rejects()
    return frame, np.array(rows, dtype=int), rejects, encoding


def encoding_label(encoding: str) -> str:
    """'utf-8' -> 'UTF-8', 'cp949' -> 'CP949': how people write them."""
    return encoding.upper()


def check_columns(columns, where: str = "The catalog") -> None:
    """One sentence for the whole file when a column every catalog needs is missing."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(map(str, list(columns)[:12])) or "nothing"
        hint = (
            ", which look like a Naver search-API export: use --format naver-api"
            if "category1" in columns
            else ""
        )
        raise CatalogError(
            f"{where} lacks the required column(s) {', '.join(missing)} (its columns: {found}{hint})."
        )


class MissingColumn(CatalogError):
    """A caller needs a column the catalog does not have (or has empty on some rows)."""


def require_columns(df: pd.DataFrame, columns, who: str) -> None:
    """Stop `who` (a notebook or function) with one sentence when the catalog lacks a column it needs.

    An optional column such as registered_at is filled with NaT/'' when a file has none, so a column that
    is there but empty on some rows counts as missing too: `who` would compute on the gaps.
    """
    for name in columns:
        if name not in df.columns:
            raise MissingColumn(f"{who} needs the column {name}, which this catalog does not have.")
        values = df[name]
        empty = values.isna()
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            empty |= values.astype(str).str.strip() == ""
        if empty.all() and len(df):
            raise MissingColumn(f"{who} needs the column {name}, which is empty on every row of this catalog.")
        if empty.any():
            raise MissingColumn(
                f"{who} needs the column {name} on every row, but {int(empty.sum())} of {len(df)} rows "
                f"have none."
            )


# ------------------------------------------------------------------------------------------- validation


def validate_catalog(df: pd.DataFrame, taxonomy: Taxonomy | None = None, rows=None, now=None,
                     encoding: str = "utf-8", min_depth: int = MIN_DEPTH, max_depth: int | None = None):
    """Split a raw table into (accepted, rejects). accepted is in the catalog schema with a fresh index;
    rejects has one row per rejected input row. `rows` numbers the input rows (default 1..n); `now` fixes
    the clock for the future-date check (default: the current UTC time); `encoding` names the one the text
    was decoded with, for the rejection detail; min_depth/max_depth bound the category depth."""
    check_columns(df.columns)
    n = len(df)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None) if now is None else pd.Timestamp(now)
    df = df.reset_index(drop=True)
    open_ = np.ones(n, dtype=bool)  # rows not rejected yet
    field = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)

    def reject(mask, name: str, why: str, about) -> None:
        mask = np.asarray(mask, dtype=bool) & open_
        field[mask], reason[mask] = name, why
        detail[mask] = (
            np.asarray(about, dtype=object)[mask] if isinstance(about, (pd.Series, np.ndarray)) else about
        )
        open_[mask] = False

    out = {}
    for name in COLUMNS + [c for c in OPTIONAL if c in df.columns]:
        if name == "registered_at":
            dates = df[name] if name in df.columns else pd.Series([None] * n, dtype=object)
            out[name] = _check_dates(dates, now, reject)
            continue
        values = df[name] if name in df.columns else pd.Series([""] * n, dtype=object)
        texts, type_problem = _as_text(values)
        reject(type_problem.notna(), name, "wrong type", type_problem)
        if name == "product_id":
            ids_as_given = texts  # for the rejects table, before undecodable ids are blanked
        texts = _check_encoding(texts, name, reject, encoding)
        reject(
            _flag(texts.str.contains(_CONTROL)),
            name,
            "control character",
            "a control character (e.g. NUL, ESC)",
        )
        if name not in ("title", "mall_category"):
            texts = texts.str.strip()
        if name in ("category", "true_category"):
            texts = _normalise_paths(texts)
        out[name] = texts
        _check_field(name, texts, taxonomy, reject, (min_depth, max_depth))
    for name in df.columns:
        if name not in out:  # extra columns: only bytes that are not UTF-8 make a row bad
            if df[name].dtype == object:
                _check_encoding(each(df[name], lambda v: v if isinstance(v, str) else ""), name, reject, encoding)
    _check_duplicates(out["product_id"], rows, open_, reject)

    accepted = df.loc[open_].copy()
    for name, values in out.items():
        accepted[name] = values[open_]
    accepted = accepted[list(out) + [c for c in df.columns if c not in out]].reset_index(drop=True)
    for name in out:
        if name != "registered_at":
            accepted[name] = accepted[name].astype(str)
    for name in accepted.columns.difference(list(out)):
        if (
            accepted[name].dtype == object
            and pd.api.types.infer_dtype(accepted[name], skipna=False) == "string"
        ):
            accepted[name] = accepted[name].astype(str)

    bad = ~open_
    shown = [_show(df.at[i, field[i]]) if field[i] in df.columns else "" for i in np.flatnonzero(bad)]
    rejects = pd.DataFrame(
        {
            "row": rows[bad],
            "product_id": [_show(v) for v in ids_as_given[bad]],
            "field": field[bad],
            "reason": reason[bad],
            "detail": detail[bad],
            "value": shown,
        },
        columns=REJECT_COLUMNS,
    )
    return accepted, _tidy_rejects(rejects)


def _as_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Values as text ('' for missing) and, per row, the wrong type found (None when fine).
    Whole numbers become text ('7'), as Parquet and pandas store numeric ids; other non-text is wrong."""
    no_problem = pd.Series(None, index=values.index, dtype=object)
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values.fillna(""), no_problem
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values, no_problem  # all text already, as every CSV column is
    pairs = [_text_or_problem(v) for v in values.astype(object)]
    texts = pd.Series([p[0] for p in pairs], dtype=object)
    problems = pd.Series([p[1] for p in pairs], dtype=object)
    return texts, problems


def _text_or_problem(value) -> tuple[str, str | None]:
    if isinstance(value, str):
        return value, None
    if value is None or value is pd.NA or value is pd.NaT:
        return "", None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape"), None
    if isinstance(value, (bool, np.bool_)):
        return "", f"boolean {value}"
    if isinstance(value, (int, np.integer)):
        return str(int(value)), None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "", None
        if float(value).is_integer():
            return str(int(value)), None
        return "", f"float {value}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "", "a list, not text"
    if isinstance(value, dict):
        return "", "a dict, not text"
    return "", f"{type(value).__name__}, not text"


def _check_encoding(texts: pd.Series, name: str, reject, encoding: str = "utf-8") -> pd.Series:
    """Reject undecodable bytes and U+FFFD; return the texts as pandas' (Arrow) strings for the fast checks
    that follow, with undecodable values blanked (their rows are rejected, and Arrow cannot hold them)."""
    if texts.dtype != object:  # already Arrow strings: they cannot hold undecodable bytes
        reject(
            _flag(texts.str.contains("\ufffd", regex=False)),
            name,
            "bad encoding",
            "replacement character U+FFFD",
        )
        return texts
    suspect = _flag(texts.str.contains(_BAD_TEXT))
    if suspect.any():
        undecodable = suspect & _flag(texts.str.contains(_UNDECODABLE))
        reject(undecodable, name, "bad encoding", f"bytes that are not {encoding_label(encoding)}")
        reject(suspect, name, "bad encoding", "replacement character U+FFFD")
        texts = texts.where(~undecodable, "")
    return texts.astype("str")


def _check_field(name: str, texts: pd.Series, taxonomy: Taxonomy | None, reject, depths) -> None:
    """The content rules of one text column (its type and encoding are already checked)."""
    empty = _flag(texts.str.strip() == "")
    if name in ("product_id", "title", "category", "true_category"):
        reject(empty, name, "empty value", "empty or only spaces")
    if name == "product_id":
        reject(
            _flag(texts.str.fullmatch(_FLOAT_TEXT)), name, "wrong type", "text that looks like a float number"
        )
    elif name == "title":
        length = texts.str.len()
        reject(
            length > MAX_TITLE_CHARS,
            name,
            "too long",
            length.astype(str) + f" characters > {MAX_TITLE_CHARS}",
        )
    elif name == "image":
        url = _flag(texts.str.fullmatch(_URL))
        path = ~_flag(texts.str.match(_SCHEME)) & _flag(texts.str.fullmatch(_IMAGE_PATH))
        looks_ok = empty | url | path
        reject(~looks_ok, name, "not a path or URL", "not an http(s) URL or a path to an image file")
    elif name in ("category", "true_category"):
        _check_paths(name, texts, taxonomy, reject, depths)


def _check_paths(name: str, texts: pd.Series, taxonomy: Taxonomy | None, reject, depths) -> None:
    """Category paths: shape first, then membership of the taxonomy (as a leaf). Each distinct path is
    judged once: a catalog has far fewer categories than rows."""
    uniques = texts.unique()
    shape = texts.map({p: path_problem(p, *depths) for p in uniques})
    reject(shape.notna() & (texts != ""), name, "bad category path", shape)
    if taxonomy is not None:

        def unknown(path: str) -> str | None:
            if taxonomy.is_leaf(path):
                return None
            return "an inner node, not a leaf" if path in taxonomy else "not in the taxonomy"

        verdict = texts.map({p: unknown(p) for p in uniques})
        reject(verdict.notna(), name, "unknown category", verdict)


def _normalise_paths(texts: pd.Series) -> pd.Series:
    """'a > b' -> 'a>b': spaces around the separator are typing, not meaning."""
    return texts.map({p: SEP.join(level.strip() for level in p.split(SEP)) for p in texts.unique()})


def each(values, fn) -> pd.Series:
    """fn over the values as an object Series. Series.map would turn text into pandas' Arrow strings, which
    cannot hold the undecodable bytes (surrogates) that validation must still see and reject."""
    index = values.index if isinstance(values, pd.Series) else None
    return pd.Series([fn(v) for v in values], index=index, dtype=object)


def _flag(mask) -> np.ndarray:
    """A pandas string-method result as a plain bool array (object results would break `~`)."""
    return np.asarray(mask, dtype=bool)


def path_problem(path: str, min_depth: int = MIN_DEPTH, max_depth: int | None = None) -> str | None:
    """What is wrong with a category path's shape, or None when it is a path 'a' ... 'a>b>c>d>e' whose
    depth is within [min_depth, max_depth] (no upper bound when max_depth is None)."""
    parts = path.split(SEP)
    if path.startswith(SEP) or path.endswith(SEP):
        return f"leading or trailing '{SEP}'"
    if any(not p for p in parts):
        return "an empty level"
    if max_depth is not None and len(parts) > max_depth:
        return f"depth {len(parts)} > {max_depth}"
    if len(parts) < min_depth:
        return f"depth {len(parts)} < {min_depth}"
    return None


def _check_dates(values: pd.Series, now: pd.Timestamp, reject) -> pd.Series:
    """registered_at as naive UTC datetime64[ns] (NaT when empty); unparsable and out-of-range dates
    rejected."""
    n = len(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = values
    else:
        objects = values.astype(object)
        missing = objects.map(lambda v: v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)))
        is_text = objects.map(lambda v: isinstance(v, str))
        is_date = objects.map(lambda v: isinstance(v, date))
        texts = each(objects, lambda v: v.strip() if isinstance(v, str) else "")
        wrong = ~(missing | is_text | is_date)
        reject(wrong, "registered_at", "wrong type", objects.map(lambda v: f"{type(v).__name__}, not a date"))
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        if is_text.any():
            parsed[is_text] = _parse_date_texts(texts[is_text])
            bad = is_text & (texts != "") & parsed.isna()
            reject(bad, "registered_at", "unparsable date", "not a date like 2025-10-30")
        if is_date.any():
            parsed[is_date] = pd.to_datetime(objects[is_date].tolist(), utc=True).tz_localize(None)
    empty = parsed.isna()
    early = ~empty & (parsed < EARLIEST_DATE)
    late = ~empty & (parsed > now + FUTURE_MARGIN)
    reject(early, "registered_at", "date out of range", f"before {EARLIEST_DATE.date()}")
    reject(late, "registered_at", "date out of range", "more than 1 day in the future")
    parsed = parsed.where(~(early | late))  # out-of-range values may not fit datetime64[ns]
    return pd.Series(parsed.to_numpy(), dtype="datetime64[ns]", index=range(n))


# Year first, then month and day, split by '-', '/', '.' (with spaces, as Korean Excel writes '2025. 10. 30.')
# or by 년/월/일; then an optional time, 12-hour with 오전/오후 or AM/PM, and an optional zone.
_DATE_TEXT = re.compile(
    r"(?P<y>\d{4})\s*(?:년|[-./])\s*(?P<m>\d{1,2})\s*(?:월|[-./])\s*(?P<d>\d{1,2})\s*(?:일|\.)?"
    r"(?:(?:\s+|T)(?P<half>오전|오후|AM|PM|am|pm)?\s*(?P<h>\d{1,2})(?::|시\s*)(?P<min>\d{1,2})"
    r"(?::(?P<s>\d{1,2}(?:\.\d+)?)|분)?\s*(?:초)?\s*(?P<half2>AM|PM|am|pm)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


def _parse_date_texts(texts: pd.Series) -> pd.Series:
    """Date texts to naive UTC times (NaT where unparsable). ISO forms go through pandas at full speed;
    only the rest (Korean forms) are rewritten to ISO one distinct value at a time."""
    parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=True)
    retry = parsed.isna() & (texts != "")
    if retry.any():
        iso = texts[retry].map({t: _iso_date_text(t) for t in texts[retry].unique()})
        parsed[retry] = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def _iso_date_text(text: str) -> str | None:
    """'2025. 10. 30. 오후 2:05' -> '2025-10-30T14:05:00'; None when the text is no date we know."""
    match = _DATE_TEXT.fullmatch(text)
    if match is None:
        return None
    g = match.groupdict()
    iso = f"{g['y']}-{int(g['m']):02d}-{int(g['d']):02d}"
    if g["h"] is not None:
        hour, half = int(g["h"]), (g["half"] or g["half2"] or "").upper()
        if half in ("오후", "PM") and hour < 12:
            hour += 12
        elif half in ("오전", "AM") and hour == 12:
            hour = 0
        seconds = g["s"] or "0"
        whole, _, fraction = seconds.partition(".")
        iso += f"T{hour:02d}:{int(g['min']):02d}:{int(whole):02d}" + (f".{fraction}" if fraction else "")
    return iso + (g["zone"] or "")


def _check_duplicates(ids: pd.Series, rows: np.ndarray, open_: np.ndarray, reject) -> None:
    """Among rows that passed everything else, every repeat of a product_id after the first is rejected."""
    candidates = pd.Series(ids.to_numpy()[open_], index=np.flatnonzero(open_))
    repeat = candidates.duplicated(keep="first")
    if not repeat.any():
        return
    first_row = dict(zip(candidates[~repeat], rows[candidates[~repeat].index], strict=True))
    mask = np.zeros(len(ids), dtype=bool)
    mask[candidates.index[repeat]] = True
    about = ids.map(lambda pid: f"first seen at row {first_row.get(pid)}")
    reject(mask, "product_id", "duplicate product_id", about)


# ------------------------------------------------------------------------------------------------ rejects


def _show(value) -> str:
    """A value as printable UTF-8 text, cut to SHOWN_VALUE_CHARS ('\\xff' for a byte that was not UTF-8)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def _empty_rejects() -> pd.DataFrame:
    return _tidy_rejects(pd.DataFrame(columns=REJECT_COLUMNS))


def _tidy_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    rejects = rejects[REJECT_COLUMNS].copy()
    rejects["row"] = rejects["row"].astype("int64")
    for name in REJECT_COLUMNS[1:]:
        rejects[name] = rejects[name].map(_show).astype(str)
    return rejects.reset_index(drop=True)


def concat_rejects(*parts: pd.DataFrame) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_rejects()
    return pd.concat(parts, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)


def rejection_counts(rejects: pd.DataFrame) -> pd.DataFrame:
    """How many rows each (field, reason) rejected, most first (ties in the order of their first row)."""
    counts = rejects.groupby(["field", "reason"], sort=False).size().rename("rows").reset_index()
    return counts.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def rejection_summary(rejects: pd.DataFrame) -> str:
    """'598 product_id: duplicate product_id; 2 title: empty value' — for logs and data descriptions."""
    return "; ".join(f"{r.rows} {r.field}: {r.reason}" for r in rejection_counts(rejects).itertuples())


def write_rejects(rejects: pd.DataFrame, path) -> Path:
    """The rejects as a UTF-8 CSV (written even when empty, so its path always exists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects[REJECT_COLUMNS].to_csv(path, index=False, encoding="utf-8")
    return path
