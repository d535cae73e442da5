"""v2_tensor.data: gender.csv's quirks, broken files, the announced synthetic fallback."""

import threading
import time
from pathlib import Path

import kagglehub
import numpy as np
import pandas as pd
import pytest
from kagglehub.cache import Cache
from kagglehub.handle import parse_dataset_handle

from v2_tensor.data import (
    COLUMNS,
    HANDLE,
    load_gender,
    read_gender_csv,
    synthetic_gender,
)

HEADER = list(COLUMNS)
ROWS = [
    ["male", "32", "175", "70", "Software Engineer", "Master's Degree", "Married", "75000", "Blue"],
    ["female", "25", "160", "55", "Teacher", "Bachelor's Degree", "Single", "45000", "Red"],
    ["Female", "41", "167.5", "61", "Nurse", "High School", "Divorced", "52000.5", "Green"],
]


def write_raw(path: Path, header, rows, *, newline="\r\n", trailing=",", header_trailing=None):
    """Write a CSV the way gender.csv is: ', ' separators, CRLF and a trailing comma by default."""
    header_trailing = trailing if header_trailing is None else header_trailing
    lines = [", ".join(header) + header_trailing] + [", ".join(row) + trailing for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def to_raw_rows(frame: pd.DataFrame):
    return [[f"{value:g}" if isinstance(value, float) else value for value in row] for row in
            frame.itertuples(index=False)]  # fmt: skip


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))


@pytest.mark.parametrize(
    "newline, trailing, header_trailing",
    [("\r\n", ",", ","), ("\n", ",", ","), ("\r\n", "", ""), ("\r\n", ",", "")],
    ids=["as-kaggle", "lf", "no-trailing-comma", "only-rows-trailing"],
)
def test_reads_the_kaggle_format(tmp_path, newline, trailing, header_trailing):
    path = write_raw(
        tmp_path / "g.csv", HEADER, ROWS,
        newline=newline, trailing=trailing, header_trailing=header_trailing,
    )  # fmt: skip
    frame = read_gender_csv(path)
    assert list(frame.columns) == list(COLUMNS.values())
    assert frame["gender"].tolist() == ["male", "female", "female"]
    assert frame["age"].tolist() == [32.0, 25.0, 41.0]
    assert frame["height_cm"].tolist() == [175.0, 160.0, 167.5]
    assert frame["income_usd"].tolist() == [75000.0, 45000.0, 52000.5]
    assert frame["education_level"].tolist() == [
        "Master's Degree", "Bachelor's Degree", "High School",
    ]  # fmt: skip
    assert all(frame[name].dtype == np.float64 for name in ("age", "height_cm", "weight_kg"))
    assert not any(value != value.strip() for value in frame["occupation"])


def test_columns_may_come_in_any_order_and_extras_are_ignored(tmp_path):
    header = ["Notes"] + HEADER[::-1]
    rows = [["n/a"] + row[::-1] for row in ROWS]
    frame = read_gender_csv(write_raw(tmp_path / "g.csv", header, rows))
    assert frame.equals(read_gender_csv(write_raw(tmp_path / "h.csv", HEADER, ROWS)))


def test_missing_column_names_file_and_column(tmp_path):
    header = [name for name in HEADER if name != "Height (cm)"]
    rows = [row[:2] + row[3:] for row in ROWS]
    path = write_raw(tmp_path / "g.csv", header, rows)
    with pytest.raises(ValueError, match=r"g\.csv: missing column\(s\) \['Height \(cm\)'\]"):
        read_gender_csv(path)


@pytest.mark.parametrize(
    "row, column, value, message",
    [
        (1, 1, "thirty", r"line 3, column 'Age': 'thirty' is not a number"),
        (2, 7, "", r"line 4, column 'Income \(USD\)': '' is not a number"),
        (0, 3, "inf", r"line 2, column 'Weight \(kg\)': 'inf' is not a finite number"),
        (2, 3, "nan", r"line 4, column 'Weight \(kg\)': 'nan' is not a finite number"),
        (1, 0, "unknown", r"line 3, column 'Gender': 'unknown' is not one of"),
    ],
)
def test_bad_value_names_file_line_and_column(tmp_path, row, column, value, message):
    """The line is the file's (the header is line 1), the value the cell's own."""
    rows = [list(r) for r in ROWS]
    rows[row][column] = value
    path = write_raw(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(ValueError, match=r"bad\.csv, " + message):
        read_gender_csv(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.csv is empty"):
        read_gender_csv(path)


def test_header_without_rows(tmp_path):
    path = write_raw(tmp_path / "head.csv", HEADER, [])
    with pytest.raises(ValueError, match=r"head\.csv has a header line but no data rows"):
        read_gender_csv(path)


@pytest.mark.parametrize("row", [0, 1, 2])
@pytest.mark.parametrize(("change", "count"), [(["extra", "fields"], 11), ([], 7)])
def test_ragged_row_names_file_and_row(tmp_path, row, change, count):
    """Too many values (pandas alone dropped a first row's extras) or too few (it filled the
    missing text columns with NaN) stop the load with the row."""
    rows = [list(r) for r in ROWS]
    rows[row] = rows[row][:-2] if not change else rows[row] + change
    path = write_raw(tmp_path / "ragged.csv", HEADER, rows)
    with pytest.raises(ValueError, match=rf"ragged\.csv, line {row + 2}: {count} values for "):
        read_gender_csv(path)


def test_an_empty_last_value_without_a_trailing_comma_is_a_value(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][-1] = ""
    path = write_raw(tmp_path / "g.csv", HEADER, rows, trailing="")
    assert read_gender_csv(path)["favorite_color"].tolist() == ["", "Red", "Green"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_gender_csv(tmp_path / "nope.csv")


def test_synthetic_has_the_schema_and_survives_the_raw_format(tmp_path):
    frame = synthetic_gender(rows=50, seed=3)
    assert len(frame) == 50
    path = write_raw(tmp_path / "synthetic.csv", HEADER, to_raw_rows(frame))
    pd.testing.assert_frame_equal(read_gender_csv(path), frame)
    pd.testing.assert_frame_equal(synthetic_gender(rows=50, seed=3), frame)
    assert not synthetic_gender(rows=50, seed=4).equals(frame)


def test_synthetic_follows_its_documented_process():
    frame = synthetic_gender(rows=20000, seed=0)
    male = (frame["gender"] == "male").to_numpy(float)
    age, height = frame["age"].to_numpy(), frame["height_cm"].to_numpy()
    X = np.column_stack([np.ones_like(age), male, age, height])
    coef, *_ = np.linalg.lstsq(X, frame["income_usd"].to_numpy(), rcond=None)
    intercept = 30000 - 1500 * 22 - 500 * 170
    np.testing.assert_allclose(coef[1:], [8000, 1500, 500], rtol=0.05)
    assert abs(coef[0] - intercept) < 3000
    assert age.min() == 22 and age.max() == 60
    assert 0.47 < male.mean() < 0.53
    assert height[male == 1].mean() - height[male == 0].mean() == pytest.approx(13, abs=0.5)
    assert frame["weight_kg"][male == 1].mean() > frame["weight_kg"][male == 0].mean() + 10


def test_load_local_file(tmp_path, monkeypatch):
    monkeypatch.setattr(kagglehub, "dataset_download", pytest.fail)
    path = write_raw(tmp_path / "mine.csv", HEADER, ROWS)
    loaded = load_gender(path)
    assert (loaded.source, loaded.origin) == ("local", str(path))
    assert len(loaded.frame) == 3


def test_load_from_kaggle_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(kagglehub, "dataset_download", pytest.fail)
    handle = parse_dataset_handle(HANDLE + "/versions/1")
    folder = Path(Cache().get_path(handle))
    folder.mkdir(parents=True)
    write_raw(folder / "gender.csv", HEADER, ROWS)
    Cache().mark_as_complete(handle)
    loaded = load_gender()
    assert loaded.source == "real"
    assert loaded.origin == str(folder / "gender.csv")
    assert loaded.frame["gender"].tolist() == ["male", "female", "female"]


def test_failing_kaggle_falls_back_with_an_announcement(monkeypatch, capsys):
    def download(handle):
        raise OSError("network is unreachable")

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    loaded = load_gender(seed=5)
    assert loaded.source == "synthetic"
    pd.testing.assert_frame_equal(loaded.frame, synthetic_gender(seed=5))
    err = capsys.readouterr().err
    assert "network is unreachable" in err
    assert "synthetic" in err and "--data PATH/TO/gender.csv" in err


def test_hanging_kaggle_falls_back_in_bounded_time(monkeypatch, capsys):
    release = threading.Event()
    monkeypatch.setattr(kagglehub, "dataset_download", lambda handle: release.wait(30))
    start = time.perf_counter()
    try:
        loaded = load_gender(timeout=0.2)
        assert time.perf_counter() - start < 2.0
    finally:
        release.set()
    assert loaded.source == "synthetic"
    assert "no answer within 0.2 s" in capsys.readouterr().err


def test_downloaded_folder_without_the_file_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(kagglehub, "dataset_download", lambda handle: str(tmp_path))
    assert load_gender().source == "synthetic"
    assert "has no gender.csv" in capsys.readouterr().err
