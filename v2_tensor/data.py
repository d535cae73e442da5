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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import cli
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
    """Parse a file in gender.csv's format; a bad file raises ValueError naming file, line, column.

    Lines are counted as an editor does: the header is line 1.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a CSV file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    header, rows = cli.read_csv(path)
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise cli.ScriptError(f"{path}: missing column(s) {missing}; the header has {header}")
    where = {raw: header.index(raw) for raw in COLUMNS}
    table: dict[str, list] = {clean: [] for clean in COLUMNS.values()}
    for line, fields in rows:
        for raw, clean in COLUMNS.items():
            text = fields[where[raw]]
            if clean in NUMERIC:
                table[clean].append(cli.to_number(text, path, line, raw))
            elif clean == "gender":
                if text.lower() not in GENDERS:
                    raise cli.ScriptError(
                        f"{path}, line {line}, column {raw!r}: {text!r} is not one of {GENDERS}"
                    )
                table[clean].append(text.lower())
            else:
                table[clean].append(text)
    frame = pd.DataFrame(table)
    for name in NUMERIC:
        frame[name] = frame[name].astype(np.float64)
    return frame


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
