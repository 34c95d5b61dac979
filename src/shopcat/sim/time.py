"""Registration dates over three years: catalog growth, per-category seasons and trend bursts.

Recent data is not a sample of all data: winter coats cluster in autumn and winter, fans in early summer,
gift sets before the holidays, and some categories have a burst of new listings. A time split therefore sees
a shifted category mix, which is the drift the deck's production models live with.
"""

from __future__ import annotations

import numpy as np

START = np.datetime64("2022-01-01")
N_DAYS = 365 * 3 + 1
YEAR = 365.25

WINTER = ("패딩 코트 점퍼 플리스 니트 카디건 터틀넥 목도리 장갑 비니 부츠 전기장판 온수매트 전기히터 가습기 "
          "스키 스노우보드 보드복 차렵이불 기모 털 방한 핫팩 난로 히터 내복 내의 귤").split()
SUMMER = ("선풍기 서큘레이터 에어컨 제습기 수영복 래쉬가드 수경 수모 튜브 샌들 쪼리 슬리퍼 반바지 선크림 "
          "밀짚모자 여름이불 물놀이장난감 수박 참외 모기 쿨링 냉감 아이스").split()
HOLIDAY = "선물세트 상품권 케이크 한우 굴비 전통주 홍삼".split()
# peak day-of-year of each season (winter: mid-January, summer: late July)
PEAK = {"winter": 15.0, "summer": 205.0}
HOLIDAY_PEAKS = (25.0, 260.0)  # the weeks before 설날 and 추석


def season_of(leaf: str) -> str:
    """'winter', 'summer', 'holiday' or '' from the words of the leaf's path."""
    text = leaf.replace(">", " ")
    for name, words in (("holiday", HOLIDAY), ("summer", SUMMER), ("winter", WINTER)):
        if any(w in text for w in words):
            return name
    return ""


def day_profiles(leaves: list[str], rng: np.random.Generator, seasonal_amplitude: float, burst_rate: float,
                 burst_height: float, growth: float) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Per-leaf density over days (n_leaves x N_DAYS, rows sum to 1), which leaves burst, their seasons, and
    each burst's peak as a day index since START (NaN for leaves without a burst)."""
    t = np.arange(N_DAYS, dtype=np.float64)
    base = 1.0 + growth * t / N_DAYS
    seasons = [season_of(x) for x in leaves]
    curves = {
        "": np.ones(N_DAYS),
        "winter": 1 + seasonal_amplitude * np.cos(2 * np.pi * (t - PEAK["winter"]) / YEAR),
        "summer": 1 + seasonal_amplitude * np.cos(2 * np.pi * (t - PEAK["summer"]) / YEAR),
    }
    doy = t % YEAR
    bumps = sum(np.exp(-0.5 * (np.minimum(abs(doy - c), YEAR - abs(doy - c)) / 12.0) ** 2) for c in HOLIDAY_PEAKS)
    curves["holiday"] = 1 + seasonal_amplitude * 4 * bumps
    dens = np.stack([base * curves[s] for s in seasons])
    bursts = rng.random(len(leaves)) < burst_rate
    centre = rng.uniform(60, N_DAYS - 30, len(leaves))
    for i in np.flatnonzero(bursts):
        dens[i] *= 1 + burst_height * np.exp(-0.5 * ((t - centre[i]) / 30.0) ** 2)
    dens /= dens.sum(axis=1, keepdims=True)
    return dens, bursts, seasons, np.where(bursts, centre, np.nan)


def sample_dates(rng: np.random.Generator, leaf: np.ndarray, dens: np.ndarray) -> np.ndarray:
    """One registration time per row from its leaf's day profile (datetime64[ns], to the second)."""
    cdf = np.cumsum(dens, axis=1)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(len(dens))[:, None]).ravel()  # leaf i's cdf lives in [i, i+1]
    u = rng.random(len(leaf))
    pos = np.searchsorted(flat, leaf + u, side="right")
    day = np.minimum(pos - leaf * N_DAYS, N_DAYS - 1)
    seconds = rng.integers(0, 86400, len(leaf))
    return (START.astype("datetime64[s]") + day.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
            ).astype("datetime64[ns]")


def seasonal_amplitude(dates, seasons_of_rows: np.ndarray, season: str) -> float:
    """Measured amplitude of the yearly cycle of one season's rows, relative to the non-seasonal rows.

    Monthly counts of the season's rows are divided by those of the rows with no season (removing growth and
    bursts shared by all), averaged by calendar month, and the first Fourier harmonic's amplitude over the mean
    is returned: A for a density proportional to 1 + A cos(2 pi t / year), slightly less from monthly binning.
    """
    months = np.asarray(dates, dtype="datetime64[M]").astype(np.int64)
    months -= months.min()
    mask_s = seasons_of_rows == season
    mask_0 = seasons_of_rows == ""
    n_m = months.max() + 1
    a = np.bincount(months[mask_s], minlength=n_m).astype(float)
    b = np.bincount(months[mask_0], minlength=n_m).astype(float)
    ok = b > 0
    ratio = np.where(ok, a / np.where(ok, b, 1), np.nan)
    moy = (np.arange(n_m) + int(np.asarray(dates, dtype="datetime64[M]").min().astype(np.int64))) % 12
    by_month = np.array([np.nanmean(ratio[moy == m]) if np.any(moy == m) else np.nan for m in range(12)])
    if np.isnan(by_month).any() or by_month.sum() == 0:
        return float("nan")
    theta = 2 * np.pi * (np.arange(12) + 0.5) / 12
    return float(2 * abs(np.sum(by_month * np.exp(-1j * theta))) / by_month.sum())
