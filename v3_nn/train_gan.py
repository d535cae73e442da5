"""Train a DCGAN-style generator and critic on handwritten digits: BCE or WGAN-GP.

    uv run python -m v3_nn.train_gan --loss wgan-gp     # Wasserstein loss, gradient penalty
    uv run python -m v3_nn.train_gan --loss bce         # the original (non-saturating) GAN

Generator: z (--nz) -> ConvTranspose2d(nz, g1, side/4) -> BatchNorm2d -> ReLU ->
ConvTranspose2d(g1, g2, 4, stride 2, padding 1) -> BatchNorm2d -> ReLU ->
ConvTranspose2d(g2, 1, 4, stride 2, padding 1) -> Tanh, images in [-1, 1]. Critic:
Conv2d(1, d1, 4, stride 2, padding 1) -> LeakyReLU(0.2) -> Conv2d(d1, d2, 4, stride 2,
padding 1) -> LeakyReLU(0.2) -> Flatten -> Linear(..., 1), one score (a logit for BCE); no
normalisation in the critic, as WGAN-GP asks. WGAN-GP (Gulrajani et al. 2017): the critic
minimises D(fake) - D(real) + 10 (||grad D(x_hat)|| - 1)^2 on random interpolates x_hat of
real and fake images (a second derivative through the critic), takes --n-critic 5 steps
per generator step, and both use Adam with betas (0.0, 0.9). BCE: one discriminator step
per generator step, Adam betas (0.5, 0.999). An epoch is one pass of the critic over the
training images. The data are train_mlp's (MNIST through kagglehub or --data DIR, else the
8x8 UCI digits of scikit-learn, announced), scaled to [-1, 1].

Sample quality: an MLP classifier built and trained by train_mlp's own code (build_mlp,
fit) on the same training digits, inside this run, labels --samples generated digits; the
share it classifies with confidence above 0.9 and the histogram of its labels are printed
and kept in the metrics (also, for reference, the same share on the real test digits).

Writes, at the end of the run, to --out (default output/gan-wgan-gp or output/gan-bce):
metrics.json and metrics.csv (per epoch: critic and generator loss, for WGAN-GP the
penalty and the Wasserstein estimate, and the confident share), steps.csv (every critic
step's losses), curves.png, epochs/epoch_NNN.png (the same fixed noise, 8x8 samples, after
each epoch), progression.png (16 fixed-noise samples per row, a row per chosen epoch, top
to bottom), samples.png (the last epoch's grid), quality.json and run.json; the generator
and critic with their config go to --checkpoint (default models/gan-wgan-gp.safetensors or
models/gan-bce.safetensors). Training stops at the first NaN or inf and then writes nothing.
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

LOSSES = ("bce", "wgan-gp")
GRID_SCALE = 4  # pixels per image pixel in the PNG grids
GRID_SAMPLES = 64  # the fixed-noise grid of each epoch: 8 x 8 samples
PROGRESSION_COLUMNS = 16
PROGRESSION_ROWS = 10
CONFIDENT = 0.9


def build_generator(nz: int, side: int, channels: tuple[int, int]) -> nn.Sequential:
    """z (N, nz) -> images (N, 1, side, side) in [-1, 1]; side a multiple of 4."""
    g1, g2 = channels
    return nn.Sequential(
        nn.Unflatten(1, (nz, 1, 1)),
        nn.ConvTranspose2d(nz, g1, side // 4),  # 1x1 -> side/4
        nn.BatchNorm2d(g1),
        nn.ReLU(),
        nn.ConvTranspose2d(g1, g2, 4, stride=2, padding=1),  # -> side/2
        nn.BatchNorm2d(g2),
        nn.ReLU(),
        nn.ConvTranspose2d(g2, 1, 4, stride=2, padding=1),  # -> side
        nn.Tanh(),
    )


def build_critic(side: int, channels: tuple[int, int]) -> nn.Sequential:
    """images (N, 1, side, side) -> one score each (N, 1); conv + LeakyReLU + linear only,
    each twice differentiable, so the gradient penalty can be differentiated."""
    d1, d2 = channels
    return nn.Sequential(
        nn.Conv2d(1, d1, 4, stride=2, padding=1),  # -> side/2
        nn.LeakyReLU(0.2),
        nn.Conv2d(d1, d2, 4, stride=2, padding=1),  # -> side/4
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(d2 * (side // 4) ** 2, 1),
    )


class GAN(nn.Module):
    """The pair, so that one state_dict holds both (keys generator.* and critic.*)."""

    def __init__(self, nz: int, side: int, g_channels: Any, d_channels: Any) -> None:
        super().__init__()
        self.nz = nz
        self.generator = build_generator(nz, side, tuple(g_channels))
        self.critic = build_critic(side, tuple(d_channels))


def interpolates(real: vt.Tensor, fake: vt.Tensor, alpha: vt.Tensor | None = None) -> vt.Tensor:
    """x_hat = alpha * real + (1 - alpha) * fake, alpha ~ U[0, 1] per sample; a leaf that
    requires grad (the penalty is a function of the critic's gradient at x_hat)."""
    if alpha is None:
        alpha = vt.rand(real.shape[0], *([1] * (real.ndim - 1)), dtype=real.dtype)
    return (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)


def gradient_penalty(critic: nn.Module, x_hat: vt.Tensor, weight: float = 10.0) -> vt.Tensor:
    """weight * mean_i (||d critic(x_hat_i) / d x_hat_i||_2 - 1)^2, differentiable in the
    critic's parameters (create_graph=True: its gradient is a second derivative)."""
    scores = critic(x_hat)
    (grad,) = vt.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.reshape(grad.shape[0], -1).norm(dim=1)
    return weight * ((norms - 1) ** 2).mean()


def critic_step(gan: GAN, real: vt.Tensor, args: Any) -> dict[str, float]:
    """One critic (discriminator) update on a batch of real images; its loss terms."""
    with vt.no_grad():
        fake = gan.generator(vt.randn(real.shape[0], gan.nz))
    real_scores, fake_scores = gan.critic(real), gan.critic(fake)
    if args.loss == "wgan-gp":
        distance = real_scores.mean() - fake_scores.mean()  # the Wasserstein estimate
        penalty = gradient_penalty(gan.critic, interpolates(real, fake), args.gp_weight)
        loss = -distance + penalty
        terms = {"gradient_penalty": penalty.item(), "wasserstein": distance.item()}
    else:
        loss = F.binary_cross_entropy_with_logits(
            real_scores, vt.ones_like(real_scores)
        ) + F.binary_cross_entropy_with_logits(fake_scores, vt.zeros_like(fake_scores))
        terms = {
            "d_real": vt.sigmoid(real_scores).mean().item(),
            "d_fake": vt.sigmoid(fake_scores).mean().item(),
        }
    args.critic_optimizer.zero_grad()
    loss.backward()
    args.critic_optimizer.step()
    return {"critic_loss": loss.item(), **terms}


def generator_step(gan: GAN, batch_size: int, args: Any) -> float:
    """One generator update; its loss (-D(G(z)) for WGAN-GP, non-saturating BCE)."""
    scores = gan.critic(gan.generator(vt.randn(batch_size, gan.nz)))
    if args.loss == "wgan-gp":
        loss = -scores.mean()
    else:
        loss = F.binary_cross_entropy_with_logits(scores, vt.ones_like(scores))
    args.generator_optimizer.zero_grad()
    loss.backward()
    args.generator_optimizer.step()
    return loss.item()


@vt.no_grad()
def generate(gan: GAN, z: vt.Tensor) -> np.ndarray:
    """Images in [0, 1] (N, side, side) from noise z, the generator in eval mode."""
    gan.generator.eval()
    images = (gan.generator(z).array[:, 0].astype(np.float64) + 1) / 2
    gan.generator.train()
    return images


@vt.no_grad()
def judge(classifier: nn.Module, images: np.ndarray) -> dict[str, Any]:
    """What the classifier says of images in [0, 1]: the share labelled with probability
    above 0.9, and how many of them it puts in each class (all, and the confident ones)."""
    classifier.eval()
    probs = F.softmax(classifier(vt.tensor(images.astype(np.float32))), dim=1).array
    classifier.train()
    labels, top = probs.argmax(axis=1), probs.max(axis=1)
    confident = top > CONFIDENT
    return {
        "count": len(images),
        "confident_share": float(confident.mean()),
        "mean_confidence": float(top.mean()),
        "class_histogram": np.bincount(labels, minlength=10).tolist(),
        "confident_class_histogram": np.bincount(labels[confident], minlength=10).tolist(),
    }


def train_classifier(data: Any, args: Any) -> tuple[nn.Module, float]:
    """train_mlp's MLP, trained by train_mlp's fit on the same training digits."""
    from v3_nn.train_mlp import build_mlp, fit

    epochs = args.classifier_epochs or (5 if data.side == 28 else 40)
    classifier = build_mlp(data.side, [256, 128])
    metrics = fit(classifier, data, epochs, 64, 1e-3, args.seed, quiet=True)
    return classifier, metrics["test_accuracy"][-1]


def metric_names(loss: str) -> list[str]:
    extra = ["gradient_penalty", "wasserstein"] if loss == "wgan-gp" else ["d_real", "d_fake"]
    return ["epoch", "critic_loss", "generator_loss", *extra, "confident_share"]


def fit(gan: GAN, train: np.ndarray, classifier: nn.Module, args: Any) -> tuple[dict, list, dict]:
    """The training loop; per-epoch metrics, per-step rows, and each epoch's fixed-noise grid."""
    from tqdm import tqdm

    from v3_nn.data import DataLoader, TensorDataset
    from v3_nn.optim import Adam

    betas = (0.0, 0.9) if args.loss == "wgan-gp" else (0.5, 0.999)
    args.critic_optimizer = Adam(gan.critic.parameters(), lr=args.lr, betas=betas)
    args.generator_optimizer = Adam(gan.generator.parameters(), lr=args.lr, betas=betas)
    loader = DataLoader(
        TensorDataset(train), batch_size=args.batch_size, shuffle=True, seed=args.seed
    )
    fixed = vt.randn(GRID_SAMPLES, gan.nz, generator=vt.Generator().manual_seed(args.seed))
    judged = vt.randn(args.samples, gan.nz, generator=vt.Generator().manual_seed(args.seed + 1))
    lr_flag = f"--lr than {args.lr:g}"
    names = metric_names(args.loss)
    metrics: dict[str, list] = {key: [] for key in names}
    steps: list[list[float]] = []
    grids: dict[int, np.ndarray] = {}
    step = 0
    progress = tqdm(range(1, args.epochs + 1), desc="epochs", disable=args.quiet)
    for epoch in progress:
        critic_rows, generator_losses = [], []
        for (real,) in loader:
            step += 1
            where = f"epoch {epoch}, critic step {step}"
            row = critic_step(gan, real, args)
            cli.check_finite(row["critic_loss"], "critic loss", where, lr_flag)
            critic_rows.append(row)
            generator_loss = float("nan")
            if step % args.n_critic == 0:
                generator_loss = generator_step(gan, args.batch_size, args)
                cli.check_finite(generator_loss, "generator loss", where, lr_flag)
                generator_losses.append(generator_loss)
            steps.append([step, epoch, row["critic_loss"], generator_loss])
        check_parameters(gan, f"the end of epoch {epoch}", lr_flag)
        means = {key: float(np.mean([r[key] for r in critic_rows])) for key in critic_rows[0]}
        means["generator_loss"] = float(np.mean(generator_losses)) if generator_losses else None
        means["confident_share"] = judge(classifier, generate(gan, judged))["confident_share"]
        means["epoch"] = epoch
        for key in names:
            metrics[key].append(means[key])
        grids[epoch] = generate(gan, fixed)
        progress.set_postfix(
            critic=f"{means['critic_loss']:.3f}", confident=f"{means['confident_share']:.0%}"
        )
    progress.close()
    return metrics, steps, grids


def progression(grids: dict[int, np.ndarray], scale: int = GRID_SCALE) -> tuple[np.ndarray, list]:
    """A row of the first 16 fixed-noise samples for up to 10 epochs spread over the run."""
    from v3_nn.grids import tile

    epochs = sorted(grids)
    chosen = sorted({epochs[round(i)] for i in np.linspace(0, len(epochs) - 1, PROGRESSION_ROWS)})
    rows = np.concatenate([grids[e][:PROGRESSION_COLUMNS] for e in chosen])
    return tile(rows, PROGRESSION_COLUMNS, scale=scale), chosen


def plot_curves(metrics: dict[str, list], steps: list[list[float]], title: str) -> Any:
    plt = cli.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    step = np.array([s[0] for s in steps])
    critic = np.array([s[2] for s in steps])
    generator = np.array([s[3] for s in steps], dtype=float)
    shown = ~np.isnan(generator)
    left.plot(step, critic, lw=0.6, alpha=0.8, label="critic")
    left.plot(step[shown], generator[shown], lw=0.6, alpha=0.8, label="generator")
    if "wasserstein" in metrics:
        steps_per_epoch = len(steps) / len(metrics["epoch"])
        at = np.array(metrics["epoch"]) * steps_per_epoch
        left.plot(at, metrics["wasserstein"], "k", label="Wasserstein estimate (epoch mean)")
    left.set(xlabel="critic step", ylabel="loss", title="losses")
    left.grid(alpha=0.3)
    left.legend()
    right.plot(metrics["epoch"], np.array(metrics["confident_share"]) * 100)
    right.set(xlabel="epoch", ylabel="%", ylim=(0, 100), title="samples classified with p > 0.9")
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train_gan", "python -m v3_nn.train_gan", __doc__)
    parser.add_argument("--loss", choices=LOSSES, default="wgan-gp", help="bce or wgan-gp")
    add_data_arguments(parser)
    parser.add_argument(
        "--epochs", type=cli.positive_int, help="default: 3 on MNIST, 60 on the 8x8 digits"
    )
    parser.add_argument("--batch-size", type=cli.positive_int, default=64, help="batch size")
    parser.add_argument(
        "--lr", type=cli.positive_float, help="Adam's learning rate (default: 5e-4)"
    )
    parser.add_argument(
        "--n-critic", type=cli.positive_int, help="critic steps per generator step "
        "(default: 5 for wgan-gp, 1 for bce)"
    )  # fmt: skip
    parser.add_argument(
        "--gp-weight", type=cli.nonnegative_float, default=10.0, help="the penalty's weight"
    )
    parser.add_argument("--nz", type=cli.positive_int, default=16, help="noise dimensions")
    parser.add_argument(
        "--g-channels", type=cli.positive_int, nargs=2, default=[64, 32], help="generator widths"
    )
    parser.add_argument(
        "--d-channels", type=cli.positive_int, nargs=2, default=[32, 64], help="critic widths"
    )
    parser.add_argument(
        "--samples", type=cli.positive_int, default=1000, help="generated digits to classify"
    )
    parser.add_argument(
        "--classifier-epochs", type=cli.positive_int,
        help="the classifier's epochs (default: train_mlp's, 5 on MNIST, 40 on the 8x8 digits)",
    )  # fmt: skip
    parser.add_argument("--seed", type=cli.seed, default=0, help="weights, noise, batch order")
    parser.add_argument(
        "--out", type=Path, help="output folder (default: output/gan-wgan-gp, output/gan-bce)"
    )
    parser.add_argument(
        "--checkpoint", type=Path, help="where they go (default: models/gan-<loss>.safetensors)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = check_data_arguments(parser, parser.parse_args(argv))
    args.lr = args.lr or 5e-4
    args.n_critic = args.n_critic or (5 if args.loss == "wgan-gp" else 1)
    args.out = args.out or Path(f"output/gan-{args.loss}")
    args.checkpoint = args.checkpoint or Path(f"models/gan-{args.loss}.safetensors")
    return args


def print_quality(name: str, quality: dict[str, Any]) -> None:
    histogram = " ".join(f"{d}:{n}" for d, n in enumerate(quality["class_histogram"]))
    print(
        f"{name}: {quality['confident_share']:.1%} of {quality['count']} classified with "
        f"p > {CONFIDENT} (mean top probability {quality['mean_confidence']:.3f}); "
        f"classes {histogram}"
    )


@cli.script("train_gan")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        epochs_folder = run.folder(out / "epochs", "--out", lock=False)
        checkpoint = run.file(args.checkpoint, "--checkpoint")
        data = load_data(args.source, args.data, args.timeout)
        if data.side % 4:
            raise cli.ScriptError(f"the images are {data.side} pixels a side; need a multiple of 4")
        args.epochs = args.epochs or (3 if data.side == 28 else 60)
        print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")
        vt.manual_seed(args.seed)
        classifier, accuracy = train_classifier(data, args)
        real_quality = judge(classifier, data.test_images)
        print(f"classifier (train_mlp's MLP, trained here): test accuracy {accuracy:.2%}")
        train = data.train_images[:, None] * 2 - 1  # (N, 1, H, W) in [-1, 1]
        vt.manual_seed(args.seed)
        gan = GAN(args.nz, data.side, args.g_channels, args.d_channels)
        metrics, steps, grids = fit(gan, train, classifier, args)
        z = vt.randn(args.samples, args.nz, generator=vt.Generator().manual_seed(args.seed + 1))
        quality = {
            "classifier": "train_mlp.build_mlp(side, [256, 128]) trained by train_mlp.fit here",
            "classifier_test_accuracy": accuracy,
            "threshold": CONFIDENT,
            "generated": judge(classifier, generate(gan, z)),
            "real_test_digits": real_quality,
        }
        from v3_nn.grids import png, tile

        picture, chosen = progression(grids)
        title = f"{'WGAN-GP' if args.loss == 'wgan-gp' else 'GAN (BCE)'} on {data.source}"
        config = {
            "loss": args.loss,
            "side": data.side,
            "nz": args.nz,
            "g_channels": args.g_channels,
            "d_channels": args.d_channels,
            "source": source_kind(data),
            "data_dir": str(Path(args.data).resolve()) if args.data else None,
            "data": data.source,
            "epochs": args.epochs,
            "lr": args.lr,
            "batch_size": args.batch_size,
            "n_critic": args.n_critic,
            "gp_weight": args.gp_weight if args.loss == "wgan-gp" else None,
            "seed": args.seed,
            "confident_share": quality["generated"]["confident_share"],
            "progression_epochs": chosen,
            "run": run_id(),
        }
        run.json(out / "metrics.json", metrics)
        run.csv(out / "metrics.csv", list(metrics), zip(*metrics.values(), strict=True))
        run.csv(out / "steps.csv", ["step", "epoch", "critic_loss", "generator_loss"], steps)
        run.figure(out / "curves.png", plot_curves(metrics, steps, title))
        for epoch, images in grids.items():
            run.data(epochs_folder / f"epoch_{epoch:03d}.png", png(tile(images, 8, GRID_SCALE)))
        run.data(out / "samples.png", png(tile(grids[args.epochs], 8, GRID_SCALE)))
        run.data(out / "progression.png", png(picture))
        run.json(out / "quality.json", quality)
        run.json(out / "run.json", {"checkpoint": checkpoint, **config})
        state = gan.state_dict()
        run.action(checkpoint, lambda path: nn.save(state, path, config=config))
        written = run.commit()
    last = {key: metrics[key][-1] for key in ("critic_loss", "generator_loss")}
    print(", ".join(f"final {key.replace('_', ' ')} {value:.4f}" for key, value in last.items()
                    if value is not None))  # fmt: skip
    print_quality("generated digits", quality["generated"])
    print_quality("real test digits", quality["real_test_digits"])
    shown = [p for p in written if p.parent != epochs_folder]
    print(f"wrote {len(written) - len(shown)} epoch grids in {epochs_folder}, and")
    print("  " + ", ".join(str(path) for path in shown))
    return {**metrics, "quality": quality}


if __name__ == "__main__":
    main()
