"""Train a convolutional autoencoder or a variational autoencoder on handwritten digits.

    uv run python -m v3_nn.train_autoencoder --model ae     # deterministic autoencoder
    uv run python -m v3_nn.train_autoencoder --model vae    # VAE: ELBO, samples from the prior
    uv run python -m v3_nn.train_autoencoder --source mnist # MNIST, the loader of train_mlp

Encoder: Conv2d(1, c1, 3, stride 2, padding 1) -> ReLU -> Conv2d(c1, c2, 3, stride 2,
padding 1) -> ReLU -> Flatten -> Linear(..., latent) (the VAE's Linear gives 2 x latent: the
posterior's mean and log-variance). Decoder: Linear(latent, ...) -> ReLU -> Unflatten ->
ConvTranspose2d(c2, c1, 4, stride 2, padding 1) -> ReLU -> ConvTranspose2d(c1, 1, 4, stride
2, padding 1), the logits of each pixel. Reconstruction loss: binary cross-entropy of the
pixels (in [0, 1]) given the logits, summed over an image's pixels (nats per image). The
VAE adds KL(q(z|x) || N(0, I)) in closed form and reports the ELBO = -(reconstruction + KL)
per epoch. The data are train_mlp's: MNIST through kagglehub (or --data DIR), else the
1,797 8x8 UCI digits of scikit-learn (the offline default, announced).

Writes, at the end of the run, to --out (default output/ae or output/vae): metrics.json and
metrics.csv (per epoch: train and test loss, and for the VAE reconstruction, KL and ELBO),
curves.png, reconstructions.png (test digits, each input beside its reconstruction),
samples.png (VAE only: decoded draws z ~ N(0, I)), latent.png (the test digits' codes,
coloured by class: the latent itself when --latent is 2, the VAE's default, else its first
two principal components, as for the AE's default 8) and run.json; the weights with their
config go to --checkpoint (default models/ae.safetensors or models/vae.safetensors).
Training stops at the first NaN or inf and then writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli
from v3_nn import functional as F
from v3_nn.train_mlp import (
    add_data_arguments,
    check_data_arguments,
    check_parameters,
    load_data,
    run_id,
    source_kind,
)

MODELS = ("ae", "vae")
GRID_SCALE = 4  # pixels per image pixel in the PNG grids (8x8 digits: 32 px a cell)


class AutoEncoder(nn.Module):
    """The conv encoder and transposed-conv decoder; variational=True makes it a VAE."""

    def __init__(self, side: int, latent: int, channels: tuple[int, int], variational: bool):
        super().__init__()
        if side % 4:
            raise ValueError(f"AutoEncoder: the image side {side} must be a multiple of 4")
        c1, c2 = channels
        inner = side // 4
        self.variational = variational
        self.latent = latent
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c2 * inner * inner, 2 * latent if variational else latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, c2 * inner * inner),
            nn.ReLU(),
            nn.Unflatten(1, (c2, inner, inner)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),
        )

    def encode(self, x: vt.Tensor) -> tuple[vt.Tensor, vt.Tensor | None]:
        """The code (AE), or the posterior's mean and log-variance (VAE)."""
        h = self.encoder(x)
        if not self.variational:
            return h, None
        return h[:, : self.latent], h[:, self.latent :]

    def forward(self, x: vt.Tensor) -> tuple[vt.Tensor, vt.Tensor, vt.Tensor | None]:
        """(pixel logits, mean or code, log-variance or None); the VAE samples z."""
        mu, logvar = self.encode(x)
        z = mu if logvar is None else reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def reparameterize(mu: vt.Tensor, logvar: vt.Tensor, eps: vt.Tensor | None = None) -> vt.Tensor:
    """z = mu + exp(logvar / 2) * eps with eps ~ N(0, I): a draw from q(z|x) that gradients
    pass through to mu and logvar (eps is drawn from v2_tensor's generator if not given)."""
    if eps is None:
        eps = vt.randn_like(mu)
    return mu + vt.exp(0.5 * logvar) * eps


def kl_divergence(mu: vt.Tensor, logvar: vt.Tensor) -> vt.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per sample, in closed form:
    -1/2 * sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j))."""
    return -0.5 * (1 + logvar - mu * mu - vt.exp(logvar)).sum(dim=1)


def reconstruction_loss(logits: vt.Tensor, x: vt.Tensor) -> vt.Tensor:
    """-log p(x|z) per sample: the pixels' binary cross-entropy given the logits, summed."""
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return per_pixel.reshape(per_pixel.shape[0], -1).sum(dim=1)


def losses(model: AutoEncoder, x: vt.Tensor) -> tuple[vt.Tensor, vt.Tensor, vt.Tensor]:
    """(loss, reconstruction, KL), each the batch mean per image; loss = -ELBO for the VAE."""
    logits, mu, logvar = model(x)
    recon = reconstruction_loss(logits, x).mean()
    if logvar is None:
        return recon, recon, vt.zeros(())
    kl = kl_divergence(mu, logvar).mean()
    return recon + kl, recon, kl


@vt.no_grad()
def evaluate(model: AutoEncoder, images: np.ndarray, batch_size: int = 500) -> dict[str, float]:
    """Mean loss, reconstruction and KL per image over a data set, in eval mode."""
    model.eval()
    totals = np.zeros(3)
    for start in range(0, len(images), batch_size):
        x = vt.tensor(images[start : start + batch_size])
        values = [term.item() for term in losses(model, x)]
        totals += np.array(values) * len(x)
    model.train()
    loss, recon, kl = totals / len(images)
    return {"loss": loss, "recon": recon, "kl": kl}


def metric_names(variational: bool) -> list[str]:
    if not variational:
        return ["epoch", "train_loss", "test_loss"]
    parts = ["loss", "recon", "kl", "elbo"]
    return ["epoch", *[f"{split}_{p}" for split in ("train", "test") for p in parts]]


def fit(model: AutoEncoder, train: np.ndarray, test: np.ndarray, args: Any) -> dict[str, list]:
    """Adam over shuffled batches; per-epoch metrics lists. Stops at a NaN or inf."""
    from tqdm import tqdm

    from v3_nn.data import DataLoader, TensorDataset
    from v3_nn.optim import Adam

    optimizer = Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(
        TensorDataset(train), batch_size=args.batch_size, shuffle=True, seed=args.seed
    )
    lr_flag = f"--lr than {args.lr:g}"
    names = metric_names(model.variational)
    metrics: dict[str, list] = {key: [] for key in names}
    progress = tqdm(range(1, args.epochs + 1), desc="epochs", disable=args.quiet)
    for epoch in progress:
        totals, count = np.zeros(3), 0
        for step, (x,) in enumerate(loader, start=1):
            loss, recon, kl = losses(model, x)
            value = loss.item()
            cli.check_finite(value, "training loss", f"epoch {epoch}, batch {step}", lr_flag)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            totals += np.array([value, recon.item(), kl.item()]) * len(x)
            count += len(x)
        check_parameters(model, f"the end of epoch {epoch}", lr_flag)
        train_terms = dict(zip(["loss", "recon", "kl"], totals / count, strict=True))
        test_terms = evaluate(model, test)
        cli.check_finite(test_terms["loss"], "test loss", f"epoch {epoch}", lr_flag)
        row = {"epoch": epoch}
        for split, terms in (("train", train_terms), ("test", test_terms)):
            row[f"{split}_loss"] = float(terms["loss"])
            row[f"{split}_recon"] = float(terms["recon"])
            row[f"{split}_kl"] = float(terms["kl"])
            row[f"{split}_elbo"] = -float(terms["loss"])
        for key in names:
            metrics[key].append(row[key])
        if model.variational:
            line = (
                f"epoch {epoch}: train ELBO {row['train_elbo']:.3f} "
                f"(reconstruction {row['train_recon']:.3f}, KL {row['train_kl']:.3f}), "
                f"test ELBO {row['test_elbo']:.3f}"
            )
            progress.set_postfix(elbo=f"{row['train_elbo']:.2f}", test=f"{row['test_elbo']:.2f}")
        else:
            line = f"epoch {epoch}: train loss {row['train_loss']:.3f}, test {row['test_loss']:.3f}"
            progress.set_postfix(loss=f"{row['train_loss']:.2f}", test=f"{row['test_loss']:.2f}")
        if not args.quiet:
            progress.write(line)
    progress.close()
    return metrics


@vt.no_grad()
def reconstruction_grid(model: AutoEncoder, images: np.ndarray, pairs: int = 8) -> np.ndarray:
    """8 rows of `pairs` test digits, each input with its reconstruction just right of it."""
    from v3_nn.grids import tile

    model.eval()
    x = images[: pairs * 8]
    mu, _ = model.encode(vt.tensor(x))  # the VAE's reconstruction decodes the mean
    recon = vt.sigmoid(model.decoder(mu)).array[:, 0]
    model.train()
    side = x.shape[-1]
    both = np.stack([x[:, 0], recon], axis=1).reshape(-1, side, side)
    return tile(both, 2 * pairs, scale=GRID_SCALE)


@vt.no_grad()
def prior_samples(model: AutoEncoder, count: int = 64, seed: int = 0) -> np.ndarray:
    """Decoded draws from the prior N(0, I), as (count, side, side) images in [0, 1]."""
    model.eval()
    z = vt.randn(count, model.latent, generator=vt.Generator().manual_seed(seed))
    images = vt.sigmoid(model.decoder(z)).array[:, 0]
    model.train()
    return images


@vt.no_grad()
def latent_codes(model: AutoEncoder, images: np.ndarray) -> tuple[np.ndarray, str]:
    """Each image's code (the VAE's posterior mean) in 2-D, and how the 2-D was made."""
    model.eval()
    codes = model.encode(vt.tensor(images))[0].array.astype(np.float64)
    model.train()
    if codes.shape[1] == 2:
        return codes, "the latent code itself (latent dim 2)"
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), "the 1-D latent code"
    centred = codes - codes.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:2].T, f"first two principal components of the {codes.shape[1]}-D code"


def plot_latent(points: np.ndarray, labels: np.ndarray, how: str, title: str) -> Any:
    plt = cli.pyplot()
    fig, axis = plt.subplots(figsize=(6, 5))
    scatter = axis.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=8, vmin=-0.5,
                           vmax=9.5)  # fmt: skip
    fig.colorbar(scatter, ax=axis, ticks=range(10), label="digit")
    axis.set(title=f"{title}\n{how}", xlabel="z[0]", ylabel="z[1]")
    axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_curves(metrics: dict[str, list], title: str) -> Any:
    plt = cli.pyplot()
    variational = "train_kl" in metrics
    fig, axes = plt.subplots(1, 2 if variational else 1, figsize=(10 if variational else 5, 4))
    left = axes[0] if variational else axes
    label = "-ELBO (nats per image)" if variational else "reconstruction BCE (nats per image)"
    left.plot(metrics["epoch"], metrics["train_loss"], label="train")
    left.plot(metrics["epoch"], metrics["test_loss"], label="test")
    left.set(xlabel="epoch", ylabel=label, title="loss")
    left.grid(alpha=0.3)
    left.legend()
    if variational:
        right = axes[1]
        right.plot(metrics["epoch"], metrics["train_recon"], label="reconstruction (train)")
        right.plot(metrics["epoch"], metrics["train_kl"], label="KL (train)")
        right.plot(metrics["epoch"], metrics["test_recon"], "--", label="reconstruction (test)")
        right.plot(metrics["epoch"], metrics["test_kl"], "--", label="KL (test)")
        right.set(xlabel="epoch", ylabel="nats per image", title="the two terms of -ELBO")
        right.grid(alpha=0.3)
        right.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train_autoencoder", "python -m v3_nn.train_autoencoder", __doc__)
    parser.add_argument("--model", choices=MODELS, default="vae", help="ae or vae")
    add_data_arguments(parser)
    parser.add_argument(
        "--epochs", type=cli.positive_int, help="default: 5 on MNIST, 60 on the 8x8 digits"
    )
    parser.add_argument("--batch-size", type=cli.positive_int, default=64, help="batch size")
    parser.add_argument("--lr", type=cli.positive_float, default=2e-3, help="Adam's learning rate")
    parser.add_argument(
        "--latent", type=cli.positive_int, help="latent dimensions (default: 8 ae, 2 vae)"
    )
    parser.add_argument(
        "--channels", type=cli.positive_int, nargs=2, default=[16, 32], help="the two conv widths"
    )
    parser.add_argument("--seed", type=cli.seed, default=0, help="initial weights, batch order")
    parser.add_argument("--out", type=Path, help="output folder (default: output/ae, output/vae)")
    parser.add_argument(
        "--checkpoint", type=Path, help="where the model goes (default: models/<model>.safetensors)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = check_data_arguments(parser, parser.parse_args(argv))
    args.latent = args.latent or (2 if args.model == "vae" else 8)
    args.out = args.out or Path(f"output/{args.model}")
    args.checkpoint = args.checkpoint or Path(f"models/{args.model}.safetensors")
    return args


@cli.script("train_autoencoder")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        checkpoint = run.file(args.checkpoint, "--checkpoint")
        data = load_data(args.source, args.data, args.timeout)
        args.epochs = args.epochs or (5 if data.side == 28 else 60)
        print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")
        train, test = data.train_images[:, None], data.test_images[:, None]  # (N, 1, H, W)
        vt.manual_seed(args.seed)
        variational = args.model == "vae"
        model = AutoEncoder(data.side, args.latent, tuple(args.channels), variational)
        metrics = fit(model, train, test, args)
        name = "VAE" if variational else "autoencoder"
        title = f"{name} (latent {args.latent}) on {data.source}"
        points, how = latent_codes(model, test)
        config = {
            "model": args.model,
            "side": data.side,
            "latent": args.latent,
            "channels": args.channels,
            "source": source_kind(data),
            "data_dir": str(Path(args.data).resolve()) if args.data else None,
            "data": data.source,
            "epochs": args.epochs,
            "lr": args.lr,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "test_loss": metrics["test_loss"][-1],
            "latent_scatter": how,
            "run": run_id(),
        }
        from v3_nn.grids import png, tile

        run.json(out / "metrics.json", metrics)
        run.csv(out / "metrics.csv", list(metrics), zip(*metrics.values(), strict=True))
        run.figure(out / "curves.png", plot_curves(metrics, title))
        run.data(out / "reconstructions.png", png(reconstruction_grid(model, test)))
        if variational:
            run.data(out / "samples.png", png(tile(prior_samples(model), 8, scale=GRID_SCALE)))
        run.figure(out / "latent.png", plot_latent(points, data.test_labels, how, title))
        run.json(out / "run.json", {"checkpoint": checkpoint, **config})
        state = model.state_dict()
        run.action(checkpoint, lambda path: nn.save(state, path, config=config))
        written = run.commit()
    if variational:
        print(
            f"final: train ELBO {metrics['train_elbo'][-1]:.3f}, "
            f"test ELBO {metrics['test_elbo'][-1]:.3f} nats per image "
            f"(reconstruction {metrics['test_recon'][-1]:.3f}, KL {metrics['test_kl'][-1]:.3f})"
        )
    else:
        print(
            f"final: train loss {metrics['train_loss'][-1]:.3f}, "
            f"test loss {metrics['test_loss'][-1]:.3f} nats per image"
        )
    print("wrote " + ", ".join(str(path) for path in written))
    return metrics


if __name__ == "__main__":
    main()
