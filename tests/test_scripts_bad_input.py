"""Every script against the mistakes people make: one table, one row per bad input.

Each row runs the script's main(argv) in this process and checks the exit code (2 for a
usage mistake, 1 for bad data or a diverged run), that stderr holds exactly one error
line matching the row's message and no traceback, that the output folder was not
created, and that a checkpoint that was there is byte for byte what it was.
"""

import gzip
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import v2_tensor as vt
import v3_nn as nn
from v3_nn.train_mlp import build_mlp

GENDER_HEADER = (
    "Gender, Age, Height (cm), Weight (kg), Occupation, Education Level, Marital Status, "
    "Income (USD), Favorite Color,"
)
GENDER_ROW = "male, 32, 175, 70, Teacher, Master's Degree, Married, 75000, Blue,"


def idx(magic: int, array: np.ndarray) -> bytes:
    sizes = b"".join(n.to_bytes(4, "big") for n in array.shape)
    return magic.to_bytes(4, "big") + sizes + array.astype(np.uint8).tobytes()


def mnist(folder, side=28, labels=(1, 2, 3), n_test=2, gz_truncated=False):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in [("train", 3), ("t10k", n_test)]:
        images = idx(0x803, rng.integers(0, 256, (n, side, side)))
        if gz_truncated:
            (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(images)[:40])
        else:
            (folder / f"{prefix}-images-idx3-ubyte").write_bytes(images)
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(idx(0x801, np.array(labels[:n])))
    return folder


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The bad (and a few good) inputs the table refers to by name."""
    root = tmp_path_factory.mktemp("inputs")
    texts = {
        "empty.csv": "",
        "header.csv": "x1,x2,y\n",
        "bad.csv": "x1,x2,y\n1,2,3\n4,abc,6\n",
        "inf.csv": "x1,x2,y\n1,2,3\n4,inf,6\n",
        "no_y.csv": "x1,x2,z\n1,2,3\n4,5,6\n7,8,9\n",
        "ragged.csv": "x1,x2,y\n1,2,3\n4,5\n",
        "one_row.csv": "x,y\n1,2\n",
        "good.csv": "x1,x2,y\n"
        + "".join(f"{i},{i * i % 7},{3 * i - i * i % 7}\n" for i in range(9)),
        "gender_header.csv": GENDER_HEADER + "\n",
        "gender_bad.csv": "\n".join(
            [GENDER_HEADER, GENDER_ROW, GENDER_ROW.replace("32", "thirty")]
        ),
        "gender_inf.csv": "\n".join([GENDER_HEADER, GENDER_ROW.replace("70", "inf")]),
        "gender_short.csv": "Gender, Age\nmale, 30\n",
        "a_file": "not a folder",
        "notes.txt": "not an image",
        "prose.txt": "To be, or not to be, that is the question:\n" * 20,
    }
    paths = {name.split(".")[0]: root / name for name in texts}
    for name, text in texts.items():
        (root / name).write_text(text)
    (root / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    paths["binary"] = root / "binary.csv"
    paths["missing"] = root / "absent.csv"
    paths["folder"] = root / "a_folder"
    paths["folder"].mkdir()
    paths["under_file"] = root / "a_file" / "below"
    paths["mnist_ok"] = mnist(root / "mnist_ok")
    paths["mnist_20x20"] = mnist(root / "mnist_20", side=20)
    paths["mnist_label12"] = mnist(root / "mnist_label", labels=(1, 12, 3))
    paths["mnist_gz"] = mnist(root / "mnist_gz", gz_truncated=True)
    paths["mnist_no_test"] = mnist(root / "mnist_no_test", n_test=0)
    model = build_mlp(8, [8])
    paths["model"] = root / "model.npz"
    nn.save(
        model.state_dict(), paths["model"], config={"side": 8, "hidden": [8], "source": "digits"}
    )
    paths["model_nan"] = root / "model_nan.npz"  # what the old train_mlp --lr nan saved
    broken = {name: np.full_like(array, np.nan) for name, array in model.state_dict().items()}
    nn.save(broken, paths["model_nan"], config={"side": 8, "hidden": [8], "source": "digits"})
    paths["model_gone"] = root / "model_gone.npz"  # trained on an MNIST folder since deleted
    config = {"side": 8, "hidden": [8], "source": "mnist", "data_dir": str(root / "deleted")}
    nn.save(model.state_dict(), paths["model_gone"], config=config)
    (root / "nul.txt").write_bytes(b"abc\x00def" * 20)
    paths["nul"] = root / "nul.txt"
    paths["gpt"] = root / "gpt.safetensors"  # a tiny untrained model on prose.txt's letters
    gpt_checkpoint(paths["gpt"], texts["prose.txt"])
    return {name: str(path) for name, path in paths.items()}


def gpt_checkpoint(path: Path, text: str) -> None:
    from v3_nn.gpt import GPT, GPTConfig
    from v3_nn.text import CharTokenizer
    from v3_nn.train_gpt import FORMAT

    tokenizer = CharTokenizer.train(text)
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=8, n_layer=1, n_head=1,
                       n_embd=8, bias=False)  # fmt: skip
    state = {"format": FORMAT, "model_config": config.to_dict(), "model": GPT(config).state_dict()}
    vt.save({**state, "tokenizer": tokenizer.to_dict()}, path)


pytestmark = pytest.mark.usefixtures("offline")  # no Kaggle (tests/conftest.py)


V1, V2, MLP = "v1_scalar.train", "v2_tensor.train", "v3_nn.train_mlp"
AE, GAN = "v3_nn.train_autoencoder", "v3_nn.train_gan"
MLP_ARGS = ["--source", "digits", "--epochs", "1", "--hidden", "8", "--quiet"]
POSITIVE = "must be a positive finite number, got"
GPT = "v3_nn.train_gpt"
GPT_TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "8", "--block-size", "8",
            "--batch-size", "2", "--max-iters", "20", "--warmup-iters", "2",
            "--eval-interval", "10", "--eval-iters", "2", "--quiet"]  # fmt: skip

CASES = [
    # v1_scalar.train
    (V1, ["--data", "{missing}"], 2, r"argument --data: no such file: .*absent\.csv"),
    (V1, ["--data", "{folder}"], 2, r"argument --data: .*a_folder is a folder, not a file"),
    (V1, ["--data", "{empty}"], 1, r"empty\.csv is empty"),
    (V1, ["--data", "{header}"], 1, r"header\.csv has a header line but no data rows"),
    (V1, ["--data", "{bad}"], 1, r"bad\.csv, line 3, column 'x2': 'abc' is not a number"),
    (V1, ["--data", "{inf}"], 1, r"inf\.csv, line 3, column 'x2': 'inf' is not a finite number"),
    (V1, ["--data", "{no_y}"], 1, r"no_y\.csv has no column 'y' \(the target\)"),
    (V1, ["--data", "{ragged}"], 1, r"ragged\.csv, line 3: 2 values for the header's 3 columns"),
    (V1, ["--data", "{binary}"], 1, r"binary\.csv is not a UTF-8 text CSV file"),
    (V1, ["--data", "{one_row}"], 1, r"one_row\.csv has 1 rows for 1 features and a bias: at"),
    (V1, ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    (V1, ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    (V1, ["--lr", "-1"], 2, f"argument --lr: {POSITIVE} '-1'"),
    (V1, ["--epochs", "0"], 2, "argument --epochs: must be at least 1, got 0"),
    (V1, ["--seed", "-1"], 2, "argument --seed: must be a whole number from 0"),
    (V1, ["--task", "moons", "--samples", "1"], 2, "--samples: must be at least 2"),
    (V1, ["--task", "moons", "--data", "{good}"], 2, "--data is for --task regression"),
    (V1, ["--out", "{a_file}"], 2, r"--out .*a_file is a file, not a folder"),
    (V1, ["--out", "{under_file}"], 2, r"--out .*below cannot be written: Not a directory"),
    (V1, ["--graph", "g.jpg"], 2, r"argument --graph: g\.jpg must end in \.svg, \.png, \.pdf"),
    (V1, ["--graph", "{under_file}/g.svg"], 2, r"--graph .*below cannot be written"),
    (V1, ["--data", "{good}", "--lr", "1000", "--epochs", "300"], 1,
     r"training stopped: the (loss|parameter \S+) is (inf|nan) at epoch \d+; the data are "
     r"finite, so the learning rate is too large: try a smaller --lr than 1000"),
    # v1_scalar.create_data and walkthrough
    ("v1_scalar.create_data", ["--rows", "0"], 2, "argument --rows: must be at least 1"),
    ("v1_scalar.create_data", ["--noise", "nan"], 2, "argument --noise: must be a finite"),
    ("v1_scalar.create_data", ["--out", "{a_file}"], 2, "is a file, not a folder"),
    ("v1_scalar.walkthrough", ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    ("v1_scalar.walkthrough", ["--out", "{a_file}"], 2, "is a file, not a folder"),
    # v2_tensor.train
    (V2, ["--data", "{missing}"], 2, r"argument --data: no such file"),
    (V2, ["--data", "{folder}"], 2, r"is a folder, not a file"),
    (V2, ["--data", "{empty}"], 1, r"empty\.csv is empty"),
    (V2, ["--data", "{gender_header}"], 1, r"gender_header\.csv has a header line but no data"),
    (V2, ["--data", "{gender_bad}"], 1, r"gender_bad\.csv, line 3, column 'Age': 'thirty' is no"),
    (V2, ["--data", "{gender_inf}"], 1, r"line 2, column 'Weight \(kg\)': 'inf' is not a finite"),
    (V2, ["--data", "{gender_short}"], 1, r"gender_short\.csv: missing column\(s\)"),
    (V2, ["--test-fraction", "0.999"], 2,
     r"--test-fraction 0\.999 splits 131 rows into 1 for training and 130 for testing"),
    (V2, ["--test-fraction", "1"], 2, r"argument --test-fraction: must be strictly between 0"),
    (V2, ["--test-fraction", "nan"], 2, r"argument --test-fraction: must be strictly between"),
    (V2, ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    (V2, ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    (V2, ["--timeout", "-1"], 2, f"argument --timeout: {POSITIVE} '-1'"),
    (V2, ["--timeout", "nan"], 2, f"argument --timeout: {POSITIVE} 'nan'"),
    (V2, ["--timeout", "inf"], 2, f"argument --timeout: {POSITIVE} 'inf'"),
    (V2, ["--epochs", "0"], 2, "argument --epochs: must be at least 1"),
    (V2, ["--out", "{a_file}"], 2, "is a file, not a folder"),
    (V2, ["--graph", "g.jpg"], 2, "argument --graph: g.jpg must end in"),
    (V2, ["--lr", "1e200", "--epochs", "50"], 1,
     r"the (loss|largest weight) is (inf|nan) at epoch \d+; the data are finite, so the "
     r"learning rate is too large: try a smaller --lr than 1e\+200"),
    # v3_nn.train_mlp (and the digit data)
    (MLP, ["--lr", "-1"], 2, f"argument --lr: {POSITIVE} '-1'"),
    (MLP, ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    (MLP, ["--timeout", "inf"], 2, f"argument --timeout: {POSITIVE} 'inf'"),
    (MLP, ["--timeout", "-1"], 2, f"argument --timeout: {POSITIVE} '-1'"),
    (MLP, ["--hidden", "16", "0"], 2, "argument --hidden: must be at least 1, got 0"),
    (MLP, ["--batch-size", "0"], 2, "argument --batch-size: must be at least 1, got 0"),
    (MLP, ["--data", "{missing}"], 2, "argument --data: no such folder"),
    (MLP, ["--data", "{a_file}"], 2, "argument --data: .*a_file is a file, not a folder"),
    (MLP, ["--data", "{folder}"], 1, "--data .*a_folder: no train-images idx3 file under"),
    (MLP, ["--data", "{mnist_20x20}"], 1, "the images are 20x20 pixels; MNIST's are 28x28"),
    (MLP, ["--data", "{mnist_label12}"], 1, "label 12 at index 1 is not a digit 0-9"),
    (MLP, ["--data", "{mnist_gz}"], 1, r"images-idx3-ubyte\.gz: not a readable \.gz file"),
    (MLP, ["--data", "{mnist_no_test}"], 1, "holds no images, so the test set is empty"),
    (MLP, ["--source", "digits", "--data", "{mnist_ok}"], 2, "does not go with --source digits"),
    (MLP, ["--source", "mnist"], 1, "MNIST could not be loaded: kagglehub failed: ConnectionError"),
    (MLP, ["--checkpoint", "{folder}"], 2, "--checkpoint .*a_folder is a folder, not a file"),
    (MLP, ["--checkpoint", "{under_file}/m.npz"], 2, "--checkpoint .*below cannot be written"),
    (MLP, ["--out", "{a_file}"], 2, "--out .*a_file is a file, not a folder"),
    (MLP, [*MLP_ARGS, "--lr", "1e30"], 1,
     r"training stopped: the (training loss|parameter \S+) is (nan|inf) at (epoch 1|the end)"),
    # the other v3 training scripts
    ("v3_nn.train_cnn", ["--source", "digits", "--channels", "8", "8", "8", "8"], 2,
     "--channels: 4 blocks halve the 8x8 images 4 times, to nothing; use at most 3 blocks"),
    ("v3_nn.train_cnn", ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    ("v3_nn.train_lstm", ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    ("v3_nn.train_lstm", ["--data", "{folder}", "--column", "y"], 2, "is a folder, not a file"),
    ("v3_nn.train_lstm", ["--data", "{good}"], 2, "--data and --column go together"),
    ("v3_nn.train_lstm", ["--lr", "1e30", "--epochs", "3", "--hidden", "4", "--quiet"], 1,
     r"training stopped: the (loss|parameter \S+) is (nan|inf) at epoch \d"),
    ("v3_nn.train_transformer", ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    ("v3_nn.train_transformer", ["--nhead", "3"], 2, "--nhead 3 must divide --d-model 64"),
    ("v3_nn.train_transformer",
     ["--lr", "1e30", "--steps", "20", "--d-model", "8", "--nhead", "2", "--layers", "1",
      "--dim-feedforward", "8", "--eval-size", "10", "--quiet"], 1,
     r"training stopped: the (loss|parameter \S+) is (nan|inf) at (step \d+|the end)"),
    ("v3_nn.train_xor", ["--lr", "nan"], 2, f"argument --lr: {POSITIVE} 'nan'"),
    ("v3_nn.train_xor", ["--epochs", "0"], 2, "argument --epochs: must be at least 1"),
    ("v3_nn.train_xor", ["--out", "{a_file}"], 2, "is a file, not a folder"),
    ("v3_nn.train_xor", ["--lr", "1e38", "--epochs", "50", "--quiet"], 1,
     r"training stopped: the (loss|parameter \S+) is (nan|inf) at epoch \d+"),
    ("v3_nn.optimizers", ["--sgd-lr", "0.01", "--steps", "300", "--quiet"], 1,
     r"the SGD's loss is (inf|nan) at step \d+; the data are finite, so the learning rate is "
     r"too large: try a smaller --sgd-lr than 0\.01"),
    ("v3_nn.optimizers", ["--adam-lr", "-1"], 2, f"argument --adam-lr: {POSITIVE} '-1'"),
    ("v3_nn.optimizers", ["--steps", "0"], 2, "argument --steps: must be at least 1"),
    # the generative scripts
    (AE, ["--model", "gan"], 2, r"argument --model: invalid choice: 'gan' \(choose from"),
    (AE, ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    (AE, ["--latent", "0"], 2, "argument --latent: must be at least 1, got 0"),
    (AE, ["--channels", "8"], 2, "argument --channels: expected 2 arguments"),
    (AE, ["--data", "{mnist_20x20}"], 1, "the images are 20x20 pixels; MNIST's are 28x28"),
    (AE, ["--source", "digits", "--data", "{mnist_ok}"], 2, "does not go with --source digits"),
    (AE, ["--checkpoint", "{folder}"], 2, "--checkpoint .*a_folder is a folder, not a file"),
    (AE, ["--out", "{a_file}"], 2, "--out .*a_file is a file, not a folder"),
    (AE, ["--lr", "1e30", "--epochs", "2", "--channels", "2", "2", "--quiet"], 1,
     r"training stopped: the (training loss|parameter \S+) is (nan|inf) at epoch 1"),
    (GAN, ["--loss", "wgan"], 2, r"argument --loss: invalid choice: 'wgan' \(choose from"),
    (GAN, ["--n-critic", "0"], 2, "argument --n-critic: must be at least 1, got 0"),
    (GAN, ["--gp-weight", "nan"], 2, "argument --gp-weight: must be a finite number >= 0"),
    (GAN, ["--samples", "0"], 2, "argument --samples: must be at least 1, got 0"),
    (GAN, ["--nz", "-2"], 2, "argument --nz: must be at least 1, got -2"),
    (GAN, ["--data", "{mnist_label12}"], 1, "label 12 at index 1 is not a digit 0-9"),
    (GAN, ["--checkpoint", "{under_file}/g.npz"], 2, "--checkpoint .*below cannot be written"),
    (GAN, ["--out", "{a_file}"], 2, "--out .*a_file is a file, not a folder"),
    (GAN, ["--lr", "1e30", "--epochs", "2", "--g-channels", "2", "2", "--d-channels", "2", "2",
           "--samples", "4", "--classifier-epochs", "1", "--quiet"], 1,
     r"training stopped: the (critic loss|generator loss|parameter \S+) is (nan|inf) at epoch"),
    # train_gpt and sample
    (GPT, ["--data", "{missing}"], 2, r"argument --data: no such file: .*absent\.csv"),
    (GPT, ["--data", "{folder}"], 2, r"argument --data: .*a_folder is a folder, not a file"),
    (GPT, ["--data", "{empty}"], 1, r"empty\.csv is empty: expected UTF-8 text to train on"),
    (GPT, ["--data", "{binary}"], 1, r"binary\.csv is not UTF-8 text \(byte 0 is 0x89\)"),
    (GPT, ["--data", "{nul}"], 1, r"nul\.txt looks binary \(it holds NUL bytes\)"),
    (GPT, ["--data", "{notes}"], 1,
     r"notes\.txt: the training \(first 90%\) split of the text is 10 tokens, too short for "
     r"--block-size 64"),
    (GPT, ["--tokenizer", "bpe", "--vocab-size", "255"], 2,
     "--vocab-size 255 is below 256: a byte-level BPE vocabulary starts with the 256 single"),
    (GPT, ["--vocab-size", "512"], 2, r"--vocab-size is for --tokenizer bpe"),
    (GPT, ["--tokenizer", "words"], 2, r"argument --tokenizer: invalid choice: 'words'"),
    (GPT, ["--preset", "gpt-4"], 2, r"argument --preset: invalid choice: 'gpt-4'"),
    (GPT, ["--n-head", "3"], 2, r"--n-head 3 must divide --n-embd 64"),
    (GPT, ["--preset", "nanogpt-cpu", "--n-head", "3"], 2, r"--n-head 3 must divide --n-embd 128"),
    (GPT, ["--lr", "0"], 2, f"argument --lr: {POSITIVE} '0'"),
    (GPT, ["--dropout", "1"], 2, r"argument --dropout: must be at least 0 and below 1"),
    (GPT, ["--warmup-iters", "1000"], 2, r"--warmup-iters 1000 must be below --max-iters 1000"),
    (GPT, ["--min-lr", "0.1"], 2, r"--min-lr 0\.1 is above --lr 0\.002"),
    (GPT, ["--timeout", "nan"], 2, f"argument --timeout: {POSITIVE} 'nan'"),
    (GPT, ["--kaggle-handle", "shakespeare"], 2, r"argument --kaggle-handle: expected 'owner/na"),
    (GPT, ["--checkpoint", "{folder}"], 2, r"--checkpoint .*a_folder is a folder, not a file"),
    (GPT, ["--checkpoint", "{under_file}/m.safetensors"], 2, r"--checkpoint .*below cannot be"),
    (GPT, ["--out", "{a_file}"], 2, r"--out .*a_file is a file, not a folder"),
    (GPT, ["--resume", "--checkpoint", "{out}.safetensors"], 2, r"--resume: no checkpoint at"),
    (GPT, ["--resume", "--checkpoint", "{notes}"], 1, r"notes\.txt"),
    (GPT, ["--resume", "--checkpoint", "{model}"], 1, r"model\.npz"),
    (GPT, [*GPT_TINY, "--lr", "1e30"], 1,
     r"training stopped: the (training|train|val) loss is (nan|inf) at iteration \d+; the data "
     r"are token ids, so the learning rate is too large: try a smaller --lr than 1e\+30\. No "
     r"checkpoint was written"),
    ("v3_nn.sample", ["--checkpoint", "{missing}"], 2, r"argument --checkpoint: no such file"),
    ("v3_nn.sample", ["--checkpoint", "{model}"], 1, r"model\.npz"),
    ("v3_nn.sample", ["--prompt", "ROMEO:"], 2,
     r"--prompt holds 4 character\(s\) this model's vocabulary never saw: 'E' 'M' 'O' 'R'"),
    ("v3_nn.sample", ["--prompt", ""], 2, r"--prompt is empty"),
    ("v3_nn.sample", ["--tokens", "0"], 2, r"argument --tokens: must be at least 1, got 0"),
    ("v3_nn.sample", ["--temperature", "0"], 2, f"argument --temperature: {POSITIVE} '0'"),
    ("v3_nn.sample", ["--top-k", "-1"], 2, r"argument --top-k: must be at least 1, got -1"),
    ("v3_nn.sample", ["--seed", "-1"], 2, r"argument --seed: must be a whole number from 0"),
    # predict and save_sample
    ("v3_nn.predict", ["--image-path", "{notes}"], 1, r"cannot read .*notes\.txt as an image"),
    ("v3_nn.predict", ["--image-path", "{folder}"], 2, "is a folder, not a file"),
    ("v3_nn.predict", ["--index", "0", "--checkpoint", "{folder}"], 2,
     "--checkpoint .*a_folder is a folder, not a checkpoint file"),
    ("v3_nn.predict", ["--index", "0", "--timeout", "nan"], 2, "argument --timeout: must be"),
    ("v3_nn.predict", ["--index", "9999"], 2, "--index 9999 is out of range for 359 test digits"),
    ("v3_nn.predict", ["--index", "0", "--checkpoint", "{model_nan}"], 1,
     r"model_nan\.npz holds NaN or inf weights \(1\.weight, 1\.bias, .*train again"),
    ("v3_nn.predict", ["--index", "0", "--checkpoint", "{model_gone}"], 1,
     r"the MNIST folder .*deleted is gone; pass --data DIR"),
    ("v3_nn.save_sample", ["--index", "0", "--scale", "100000"], 2,
     r"--scale 100000 would make a 800000x800000 image; at most 4096 pixels a side, so "
     r"--scale 512 or less for 8x8 digits"),
    ("v3_nn.save_sample", ["--index", "0", "--scale", "0"], 2, "argument --scale: must be at"),
    ("v3_nn.save_sample", ["--index", "0", "--out", "{a_file}"], 2, "is a file, not a folder"),
    ("v3_nn.save_sample", ["--index", "x"], 2, "argument --index: invalid int value: 'x'"),
    ("v3_nn.save_sample", ["--index", "0", "--out", "{out}.txt"], 2,
     r"--out .*out\.txt looks like a file name, but --out is the folder that sample_0\.png"),
    ("v3_nn.save_sample", ["--index", "0", "--output", "x.png"], 2,
     "unrecognized arguments: --output x.png"),
]  # fmt: skip


def needs_output_flags(script: str, argv: list[str]) -> list[str]:
    """Point every output of the script into the test's own folder (and the model there)."""
    extra = []
    if "--out" not in argv:
        extra += ["--out", "{out}"]
    digit_scripts = (MLP, "v3_nn.train_cnn", AE, GAN, "v3_nn.predict", "v3_nn.save_sample")
    if script in digit_scripts and "--checkpoint" not in argv:
        extra += ["--checkpoint", "{checkpoint}"]
    trained_on_digits = (MLP, "v3_nn.train_cnn", AE, GAN)
    if script in trained_on_digits and "--source" not in argv and "--data" not in argv:
        extra += ["--source", "digits"]
    if script == GPT:
        if "--checkpoint" not in argv:  # beside good.npz: nothing may appear there
            extra += ["--checkpoint", "{checkpoint}.safetensors"]
        if "--data" not in argv:
            extra += ["--data", "{prose}"]
    if script == "v3_nn.sample" and "--checkpoint" not in argv:
        extra += ["--checkpoint", "{gpt}"]
    if script in ("v3_nn.predict", "v3_nn.sample"):
        extra = [flag for flag in extra if flag != "--out" and flag != "{out}"]
    return extra


@pytest.mark.parametrize(("script", "argv", "code", "message"), CASES)
def test_bad_input_gets_one_line_the_exit_code_and_writes_nothing(
    script, argv, code, message, files, tmp_path, capsys
):
    checkpoint = tmp_path / "models" / "good.npz"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(Path(files["model"]).read_bytes())
    before = checkpoint.read_bytes()
    names = {**files, "out": str(tmp_path / "out"), "checkpoint": str(checkpoint)}
    argv = [a.format(**names) for a in [*argv, *needs_output_flags(script, argv)]]
    main = importlib.import_module(script).main
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert exit_info.value.code == code, err
    assert len(errors) == 1 and err.rstrip().endswith(errors[0]), err
    assert re.search(message, errors[0]), errors[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "the output folder was created"
    assert checkpoint.read_bytes() == before, "the checkpoint changed"
    assert sorted(p.name for p in checkpoint.parent.iterdir()) == ["good.npz"]
