"""Gender: one code per row — 'F', 'M', 'X' (non-binary/other, explicitly stated) or None.

Unknown stays unknown: "Not specified", "1"/"2", "U", titles such as "Sr"/"Sra" (a title is
not a gender answer, and the name standardiser already keeps it in title_std) all give None.
Guessing a gender from a title or a first name is a modelling decision for a later stage, not
a cleaning one.

'M' is the international convention for male. Spanish forms sometimes use H (Hombre) / M
(Mujer); a source known to do so passes `m_means='F'` (a scalar for one source, or a Series
with one value per row when several sources are standardised together). Without it, M = male.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.standardise.distinct import per_distinct
from helpers.text import fold_text

_FEMALE = """f female woman women w fem feminine femenino femenina feminino feminina mujer mulher
donna femmina femminile girl""".split()
_MALE = """m male man men masc masculine masculino masculina masculin hombre homem varon uomo
maschio maschile h v boy""".split()
_OTHER = """x nonbinary nb enby diverse divers other otro otra outro outra altro
genderqueer genderfluid agender intersex nobinario nobinaria naobinario naobinaria nonbinario
nonbinaria""".split()

_CODES: dict[str, str] = {
    **{w: "F" for w in _FEMALE},
    **{w: "M" for w in _MALE},
    **{w: "X" for w in _OTHER},
}


def _norm(value: object) -> str:
    """' Non-Binary ' -> 'nonbinary', 'Varón' -> 'varon', 'm.' -> 'm': a lookup key (letters only,
    so spacing, dots and hyphens people type around a code do not matter)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return re.sub(r"[^a-z]", "", fold_text(str(value).strip()))


def _code(frame: pd.DataFrame) -> pd.DataFrame:
    """Code of each distinct (raw value, meaning of 'M') pair."""
    out = []
    for value, m_means in zip(frame["gender"], frame["m_means"]):
        key = _norm(value)
        code = _CODES.get(key)
        if key == "m" and m_means == "F":
            code = "F"
        out.append(code)
    return pd.DataFrame({"gender_std": out})


def standardise_gender(gender: pd.Series, m_means: pd.Series | str | None = None) -> pd.Series:
    """`gender_std` with the index of `gender`: 'F', 'M', 'X' or None.

    m_means: what a bare 'M' stands for — None or 'M' (male, the default) or 'F' (Mujer in a
    Spanish H/M form); a scalar applies to every row, a Series gives it per row.
    """
    if isinstance(m_means, pd.Series):
        meaning = m_means.reindex(gender.index) if not m_means.index.equals(gender.index) else m_means
        meaning = meaning.astype("object")
    else:
        meaning = pd.Series(m_means, index=gender.index, dtype="object")
    frame = pd.DataFrame({"gender": gender.astype("object"), "m_means": meaning})
    coded = per_distinct(frame, _code)["gender_std"].astype("object")
    return coded.where(coded.notna(), None).rename("gender_std")


def m_means_by_group(gender: pd.Series, group: pd.Series) -> pd.Series:
    """'F' for rows of a group (e.g. source × country) whose answers include H/Hombre, else None.

    A form that offers H (Hombre) uses M for Mujer; a form without H uses M for male. The data
    tells which form a group of records came from, so no per-source setting is needed.
    """
    keys = per_distinct(gender.astype("object").rename("g"), lambda f: pd.DataFrame({"k": f["g"].map(_norm)}))["k"]
    has_h = keys.isin(["h", "hombre"]).groupby(group.fillna("").to_numpy()).transform("any")
    return pd.Series(np.where(has_h.to_numpy(), "F", np.array(None, dtype=object)), index=gender.index, dtype="object")
