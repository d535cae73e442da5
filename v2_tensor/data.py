"""The gender table: Kaggle's ``muhammadtalharasool/simple-gender-classification``.

One file, ``gender.csv``: about 131 people, one per row, with the columns below.
The raw file has leading spaces in headers and values, CRLF line ends and a
trailing comma on every line (an empty tenth column); ``read_gender_csv`` takes
all of that and returns clean names and values:

    raw header        clean name         values
    Gender            gender             "female" | "male"
    Age               age                float
    Height (cm)       height_cm          float
    Weight (kg)       weight_kg          float
    Occupation        occupation         text
    Education Level   education_level    text
    Marital Status    marital_status     text
    Income (USD)      income_usd         float
    Favorite Color    favorite_color     text

``load_gender`` takes the file from ``--data PATH``, else from kagglehub (cache
first, bounded wait), else falls back, with an announcement on stderr, to
``synthetic_gender``: the same schema drawn from the process documented there.
"""

import csv
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .kaggle import DatasetUnavailable, announce_fallback, dataset_path

HANDLE = "muhammadtalharasool/simple-gender-classification"
FILENAME = "gender.csv"

COLUMNS = {
    "Gender": "gender",
    "Age": "age",
    "Height (cm)": "height_cm",
    "Weight (kg)": "weight_kg",
    "Occupation": "occupation",
    "Education Level": "education_level",
    "Marital Status": "marital_status",
    "Income (USD)": "income_usd",
    "Favorite Color": "favorite_color",
}
RAW_NAMES = {clean: raw for raw, clean in COLUMNS.items()}
NUMERIC = ("age", "height_cm", "weight_kg", "income_usd")
GENDERS = ("female", "male")

OCCUPATIONS = (
    "Accountant", "Architect", "Chef", "Doctor", "Graphic Designer",
    "Lawyer", "Nurse", "Sales Representative", "Software Engineer", "Teacher",
)  # fmt: skip
EDUCATION_LEVELS = ("High School", "Bachelor's Degree", "Master's Degree", "Doctorate")
MARITAL_STATUSES = ("Single", "Married", "Divorced")
COLORS = ("Black", "Blue", "Green", "Purple", "Red", "Yellow")


@dataclass(frozen=True)
class GenderData:
    """The clean table and where it came from: source is 'real', 'local' or 'synthetic'."""

    frame: pd.DataFrame
    source: str
    origin: str


def read_gender_csv(path: str | Path) -> pd.DataFrame:
    """Parse a file in gender.csv's format; bad files raise ValueError naming file, row, column.

    Rows are counted from 1 at the first line after the header.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        _check_row_lengths(path)
        with warnings.catch_warnings():
            # a header without the trailing comma the rows carry: index_col=False drops it
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            raw = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                index_col=False,
                encoding="utf-8-sig",
            )
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty (expected a header and rows)") from None
    except (pd.errors.ParserError, csv.Error, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a readable CSV file: {error}") from None

    raw.columns = [str(name).strip() for name in raw.columns]
    missing = [name for name in COLUMNS if name not in raw.columns]
    if missing:
        found = [name for name in raw.columns if not name.startswith("Unnamed:")]
        raise ValueError(f"{path}: missing column(s) {missing}; the header has {found}")
    if raw.empty:
        raise ValueError(f"{path}: the header is there but there are no data rows")

    frame = raw[list(COLUMNS)].rename(columns=COLUMNS).apply(lambda column: column.str.strip())
    for name in NUMERIC:
        frame[name] = _parse_numbers(frame[name], path, name)
    frame["gender"] = _parse_genders(frame["gender"], path)
    return frame


def _check_row_lengths(path: Path) -> None:
    """Each row has one value per named header column, plus at most an empty trailing one.

    pandas would drop the extra values of a first row silently (index_col=False) and fill a
    short row's last text columns with NaN, so the counts are checked here, row by row.
    """
    with path.open(newline="", encoding="utf-8-sig") as file:
        lines = [fields for fields in csv.reader(file, skipinitialspace=True) if fields]
    if not lines:
        return  # an empty file: pandas reports it
    named = _without_trailing_empty(lines[0])
    for row, fields in enumerate(lines[1:], start=1):
        if len(fields) != named and _without_trailing_empty(fields) != named:
            raise ValueError(
                f"{path}: row {row} has {_without_trailing_empty(fields)} values for the "
                f"header's {named} columns"
            )


def _without_trailing_empty(fields: list[str]) -> int:
    """How many fields a CSV line has, not counting the empty one after a trailing comma."""
    return len(fields) - (len(fields) > 1 and not fields[-1].strip())


def _parse_numbers(column: pd.Series, path: Path, name: str) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce").astype(np.float64)
    bad = ~np.isfinite(numbers.to_numpy())
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{path}: row {row + 1}, column {RAW_NAMES[name]!r}: "
            f"{column.iloc[row]!r} is not a finite number"
        )
    return numbers


def _parse_genders(column: pd.Series, path: Path) -> pd.Series:
    genders = column.str.lower()
    bad = ~genders.isin(GENDERS).to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{path}: row {row + 1}, column 'Gender': {column.iloc[row]!r} is not one of {GENDERS}"
        )
    return genders


def synthetic_gender(rows: int = 131, seed: int = 0) -> pd.DataFrame:
    """A stand-in table with gender.csv's clean schema, drawn from a documented process.

    For each person, independently (N = normal, U = uniform):

        gender      female or male, probability 1/2 each; male = 1 below
        age         integer U{22, ..., 60}
        height_cm   round(N(165, 6.5)) for women, round(N(178, 7)) for men
        weight_kg   round(bmi * (height_cm / 100)^2), bmi ~ N(22, 2.5) women, N(24.5, 2.5) men
        income_usd  round to 100 of 30000 + 1500 (age - 22) + 500 (height_cm - 170)
                    + 8000 male + N(0, 6000)
        occupation, education_level, marital_status, favorite_color
                    uniform over short lists, independent of everything else

    So income is linear in gender, age and height plus noise (a regression with a
    known answer, R^2 near 0.9), and gender is predictable from height and weight.
    """
    rng = np.random.default_rng(seed)
    male = rng.random(rows) < 0.5
    age = rng.integers(22, 61, rows).astype(np.float64)
    height = np.round(np.where(male, rng.normal(178, 7, rows), rng.normal(165, 6.5, rows)))
    bmi = np.where(male, rng.normal(24.5, 2.5, rows), rng.normal(22, 2.5, rows))
    weight = np.round(bmi * (height / 100) ** 2)
    income = 30000 + 1500 * (age - 22) + 500 * (height - 170) + 8000 * male
    income = np.round((income + rng.normal(0, 6000, rows)) / 100) * 100
    return pd.DataFrame(
        {
            "gender": np.where(male, "male", "female"),
            "age": age,
            "height_cm": height,
            "weight_kg": weight,
            "occupation": rng.choice(OCCUPATIONS, rows),
            "education_level": rng.choice(EDUCATION_LEVELS, rows),
            "marital_status": rng.choice(MARITAL_STATUSES, rows),
            "income_usd": income,
            "favorite_color": rng.choice(COLORS, rows),
        }
    )


def load_gender(
    data: str | Path | None = None, *, seed: int = 0, timeout: float = 5.0
) -> GenderData:
    """The gender table from ``data`` (a local CSV), else Kaggle, else the synthetic stand-in.

    The fallback is announced on stderr with the reason and how to get the real data.
    """
    if data is not None:
        return GenderData(read_gender_csv(data), "local", str(data))
    try:
        folder = dataset_path(HANDLE, timeout=timeout)
        files = sorted(folder.rglob(FILENAME))
        if not files:
            raise DatasetUnavailable(f"the downloaded folder {folder} has no {FILENAME}")
    except DatasetUnavailable as error:
        announce_fallback(
            HANDLE,
            error,
            f"a synthetic table with the same schema (131 rows, seed {seed}; "
            "generating process in v2_tensor/data.py and v2_tensor/README.md)",
            data_flag=f"--data PATH/TO/{FILENAME}",
        )
        return GenderData(
            synthetic_gender(seed=seed), "synthetic", f"synthetic_gender(seed={seed})"
        )
    return GenderData(read_gender_csv(files[0]), "real", str(files[0]))
