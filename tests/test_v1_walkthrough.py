"""v1_scalar.walkthrough: the published figures of the 1-1-1 network, by hand and by engine."""

import json
import re
import shutil

import pytest

from v1_scalar import walkthrough

PUBLISHED = {"L": 0.7603, "w2": -0.5857, "b2": -0.5325, "w1": 0.3195, "b1": 0.1597}


def test_published_figures():
    result = walkthrough.walkthrough(lr=0.1)
    assert round(result.forward["L"], 4) == PUBLISHED["L"]
    assert round(result.loss.data, 4) == PUBLISHED["L"]
    for name in ("w1", "b1", "w2", "b2"):
        assert round(result.grads_by_hand[name], 4) == PUBLISHED[name]
        assert result.grads_by_engine[name] == pytest.approx(result.grads_by_hand[name], rel=1e-12)
    assert round(result.updated["w2"], 4) == -0.2414
    assert result.loss_after_step < result.forward["L"]
    assert result.forward["z1"] == pytest.approx(1.1) and result.forward["z2"] == pytest.approx(
        -0.13
    )


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_script_prints_every_step_and_writes_json_csv_png_and_svg(tmp_path, capsys):
    walkthrough.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    for line in (
        "L  = -(y·log p + (1-y)·log(1-p)) = 0.7603",
        "dL/dw2 = dL/dz2 · h",
        "dL/dz2 = dL/dp · p(1-p)     = -2.138828 · +0.248947 = -0.532454",
        "dL/dw1 = dL/dz1 · x         = +0.159736 · +2.000000 = +0.319473",
        "w2 = -0.3000 - 0.1 · (-0.5857) = -0.2414",
    ):
        assert line in out
    assert "DISAGREE" not in out and out.count("agree") == 4
    svg = (tmp_path / "walkthrough.svg").read_text()
    assert ">w2<" in svg and ">sigmoid<" in svg
    from PIL import Image

    with Image.open(tmp_path / "walkthrough.png") as png:
        width, height = png.size
    assert height > width and height <= 1100 and width <= 900  # top to bottom, fits a screen
    saved = json.loads((tmp_path / "walkthrough.json").read_text())
    assert round(saved["forward"]["L"], 4) == PUBLISHED["L"]
    assert round(saved["updated"]["w2"], 4) == -0.2414
    rows = (tmp_path / "walkthrough.csv").read_text().splitlines()
    assert rows[0] == "gradient,formula,upstream,local_derivative,product" and len(rows) == 8
    assert rows[2].startswith("dL/dw2,dL/dz2 · h,")


def test_bad_learning_rates_exit_before_printing(tmp_path, capsys):
    for bad in ("nan", "0", "-1", "inf"):
        with pytest.raises(SystemExit) as exit_info:
            walkthrough.main(["--lr", bad, "--out", str(tmp_path / "o")])
        captured = capsys.readouterr()
        assert exit_info.value.code == 2 and captured.out == ""
        assert f"argument --lr: must be a positive finite number, got '{bad}'" in captured.err
    with pytest.raises(SystemExit) as exit_info:  # a step so large that p is exactly 0 or 1
        walkthrough.main(["--lr", "1e300", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1
    assert "the loss after the step is inf" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_printed_chain_rule_products_multiply_out():
    """A learner checking a printed line with a calculator gets its result to 6 places."""
    product = re.compile(r"= ([+-]\d+\.\d{6}) · ([+-]\d+\.\d{6}) = ([+-]\d+\.\d{6})$")
    checked = 0
    for line in walkthrough.walkthrough().lines:
        if match := product.search(line):
            a, b, c = map(float, match.groups())
            assert a * b == pytest.approx(c, abs=2e-6), line
            checked += 1
    assert checked == 7
