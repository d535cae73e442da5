"""The generative scripts: tiny runs of train_autoencoder (AE, VAE) and train_gan (BCE,
WGAN-GP), the VAE's loss pieces against torch, and the WGAN-GP gradient penalty (a second
derivative through a conv critic) against torch and against finite differences."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import v2_tensor as vt
import v3_nn as nn
from v3_nn import functional as F
from v3_nn import train_autoencoder, train_gan
from v3_nn.checkpoint import load, load_config
from v3_nn.grids import grid_size, tile

DIGIT = 8  # the offline digits are 8x8
SCALE = train_autoencoder.GRID_SCALE


def size(path):
    with Image.open(path) as image:
        return image.size


# --- the image grids ---------------------------------------------------------------------


def test_tile_places_each_image_in_its_cell_at_the_stated_size():
    images = np.random.default_rng(0).random((5, 3, 3))
    picture = tile(images, columns=2, scale=2, pad=1)
    assert picture.shape[::-1] == grid_size(3, 2, 3, 2, 1) == (15, 22)
    cell = picture[1 + 7 : 1 + 7 + 6, 1 + 7 : 1 + 7 + 6]  # row 1, column 1: image 3
    expected = np.round(np.kron(images[3], np.ones((2, 2))) * 255)
    np.testing.assert_array_equal(cell, expected)
    assert (picture[-7:-1, 8:-1] == 128).all()  # the empty sixth cell stays grey


# --- tiny runs of the scripts ------------------------------------------------------------


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_train_autoencoder_learns_and_writes_its_pictures(model, tmp_path, capsys):
    out, checkpoint = tmp_path / "out", tmp_path / "m.npz"
    argv = ["--model", model, "--source", "digits", "--epochs", "2", "--channels", "4", "8"]
    metrics = train_autoencoder.main(
        [*argv, "--quiet", "--out", str(out), "--checkpoint", str(checkpoint)]
    )
    assert metrics["train_loss"][1] < metrics["train_loss"][0]
    assert metrics["test_loss"][1] < metrics["test_loss"][0]
    assert json.loads((out / "metrics.json").read_text()) == metrics
    header = (out / "metrics.csv").read_text().splitlines()[0]
    assert header == ",".join(metrics)
    assert size(out / "reconstructions.png") == grid_size(8, 16, DIGIT, SCALE)  # 8 x 8 pairs
    assert size(out / "latent.png")[0] > 0 and size(out / "curves.png")[0] > 0
    printed = capsys.readouterr().out
    if model == "vae":
        assert size(out / "samples.png") == grid_size(8, 8, DIGIT, SCALE)
        for epoch in range(2):  # ELBO = -(reconstruction + KL), per epoch, train and test
            for split in ("train", "test"):
                recon, kl = metrics[f"{split}_recon"][epoch], metrics[f"{split}_kl"][epoch]
                assert metrics[f"{split}_elbo"][epoch] == pytest.approx(-(recon + kl))
                assert kl > 0
        assert "test ELBO" in printed
    else:
        assert not (out / "samples.png").exists() and "train_kl" not in metrics
    config = load_config(checkpoint)
    latent = 2 if model == "vae" else 8  # the defaults
    assert config["model"] == model and config["latent"] == latent
    how = "latent code itself" if model == "vae" else "first two principal components of the 8"
    assert how in config["latent_scatter"]
    ae = train_autoencoder.AutoEncoder(DIGIT, latent, (4, 8), model == "vae")
    ae.load_state_dict(load(checkpoint))


@pytest.mark.parametrize("loss", ["bce", "wgan-gp"])
def test_train_gan_learns_and_writes_grids_a_progression_and_the_quality(loss, tmp_path, capsys):
    out, checkpoint = tmp_path / "out", tmp_path / "gan.npz"
    argv = ["--loss", loss, "--source", "digits", "--epochs", "2", "--batch-size", "32",
            "--g-channels", "8", "4", "--d-channels", "4", "8", "--samples", "50",
            "--classifier-epochs", "2", "--quiet", "--out", str(out),
            "--checkpoint", str(checkpoint)]  # fmt: skip
    result = train_gan.main(argv)
    steps = np.genfromtxt(out / "steps.csv", delimiter=",", names=True)
    critic = steps["critic_loss"]
    assert len(critic) == 2 * 45  # 1,438 images in batches of 32, twice
    assert critic[-10:].mean() < critic[:3].mean()  # the critic's loss fell
    quality = json.loads((out / "quality.json").read_text())
    assert quality == result["quality"]
    generated = quality["generated"]
    assert sum(generated["class_histogram"]) == 50 == generated["count"]
    assert sum(generated["confident_class_histogram"]) == round(50 * generated["confident_share"])
    assert quality["real_test_digits"]["count"] == 359
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epoch"] == [1, 2] and len(metrics["confident_share"]) == 2
    if loss == "wgan-gp":
        assert all(p > 0 for p in metrics["gradient_penalty"])
        n_generator = (~np.isnan(steps["generator_loss"])).sum()
        assert n_generator == 90 // 5  # n_critic 5
    else:
        assert (~np.isnan(steps["generator_loss"])).all()  # one generator step per batch
    for epoch in (1, 2):
        assert size(out / "epochs" / f"epoch_{epoch:03d}.png") == grid_size(8, 8, DIGIT, SCALE)
    assert size(out / "samples.png") == grid_size(8, 8, DIGIT, SCALE)
    assert size(out / "progression.png") == grid_size(2, 16, DIGIT, SCALE)  # a row per epoch
    assert (out / "curves.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "generated digits: " in printed and "classified with p > 0.9" in printed
    config = load_config(checkpoint)
    assert config["loss"] == loss and config["n_critic"] == (5 if loss == "wgan-gp" else 1)
    gan = train_gan.GAN(config["nz"], DIGIT, config["g_channels"], config["d_channels"])
    gan.load_state_dict(load(checkpoint))
    assert {key.split(".")[0] for key in load(checkpoint)} == {"generator", "critic"}


def test_the_progression_keeps_at_most_ten_epochs_first_and_last_included():
    grids = {epoch: np.zeros((64, 8, 8)) for epoch in range(1, 31)}
    picture, chosen = train_gan.progression(grids, scale=1)
    assert chosen[0] == 1 and chosen[-1] == 30 and len(chosen) == 10
    assert picture.shape[::-1] == grid_size(10, 16, 8, 1)


# --- the VAE's loss pieces against torch, float64 ----------------------------------------


def test_kl_divergence_is_the_closed_form_of_torch_distributions():
    rng = np.random.default_rng(0)
    mu, logvar = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ours = [vt.tensor(a, requires_grad=True) for a in (mu, logvar)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (mu, logvar)]
    kl = train_autoencoder.kl_divergence(*ours)
    posterior = torch.distributions.Normal(theirs[0], torch.exp(0.5 * theirs[1]))
    prior = torch.distributions.Normal(torch.zeros(3, dtype=torch.float64), 1.0)
    expected = torch.distributions.kl_divergence(posterior, prior).sum(dim=1)
    np.testing.assert_allclose(kl.array, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    weights = rng.standard_normal(5)
    (kl * vt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-12, atol=1e-14)
    zero = train_autoencoder.kl_divergence(vt.zeros(2, 3), vt.zeros(2, 3))
    np.testing.assert_array_equal(zero.array, 0.0)  # the posterior is the prior


def test_reparameterize_is_torchs_rsample_and_passes_gradients():
    rng = np.random.default_rng(1)
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    t_mu, t_logvar = (torch.tensor(a, requires_grad=True) for a in (mu, logvar))
    torch.manual_seed(0)
    z_torch = torch.distributions.Normal(t_mu, torch.exp(0.5 * t_logvar)).rsample()
    eps = ((z_torch - t_mu) / torch.exp(0.5 * t_logvar)).detach().numpy()  # torch's draw
    v_mu, v_logvar = (vt.tensor(a, requires_grad=True) for a in (mu, logvar))
    z = train_autoencoder.reparameterize(v_mu, v_logvar, vt.tensor(eps))
    np.testing.assert_allclose(z.array, z_torch.detach().numpy(), rtol=1e-12, atol=1e-14)
    weights = rng.standard_normal((4, 3))
    (z * vt.tensor(weights)).sum().backward()
    (z_torch * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(v_mu.grad.array, t_mu.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v_logvar.grad.array, t_logvar.grad.numpy(), rtol=1e-12)
    # drawn here: z ~ N(mu, exp(logvar)), within 5 standard errors over 20,000 draws
    vt.manual_seed(0)
    n, m, s = 20_000, np.array([0.5, -2.0]), np.array([0.3, 1.5])
    draws = train_autoencoder.reparameterize(
        vt.tensor(np.tile(m, (n, 1))), vt.tensor(np.tile(np.log(s**2), (n, 1)))
    ).array
    assert np.all(np.abs(draws.mean(axis=0) - m) < 5 * s / np.sqrt(n))
    assert np.all(np.abs(draws.std(axis=0) / s - 1) < 5 / np.sqrt(2 * n))


def test_reconstruction_loss_is_torchs_pixel_bce_summed_per_image():
    rng = np.random.default_rng(2)
    logits, x = rng.standard_normal((3, 1, 4, 4)), rng.random((3, 1, 4, 4))
    ours = vt.tensor(logits, requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    loss = train_autoencoder.reconstruction_loss(ours, vt.tensor(x))
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        theirs, torch.tensor(x), reduction="none"
    ).sum(dim=(1, 2, 3))
    np.testing.assert_allclose(loss.array, expected.detach().numpy(), rtol=1e-12)
    loss.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-12)


# --- the WGAN-GP gradient penalty: a second derivative through a conv critic -------------

ACTIVATIONS = {"leaky_relu": (nn.LeakyReLU, torch.nn.LeakyReLU, 0.2), "tanh": (nn.Tanh,
               torch.nn.Tanh, None)}  # fmt: skip


def critics(activation: str):
    """train_gan's critic (activation swapped if asked) and its torch twin, same weights."""
    ours_kind, torch_kind, slope = ACTIVATIONS[activation]
    make = (lambda kind: kind(slope)) if slope is not None else (lambda kind: kind())
    vt.manual_seed(0)
    ours = train_gan.build_critic(DIGIT, (3, 4)).double()
    ours[1], ours[3] = make(ours_kind), make(ours_kind)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 4, stride=2, padding=1),
        make(torch_kind),
        torch.nn.Conv2d(3, 4, 4, stride=2, padding=1),
        make(torch_kind),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 2 * 2, 1),
    ).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def torch_penalty(critic, real, fake, alpha, weight=10.0):
    """The penalty as the WGAN-GP paper's reference code writes it, in torch."""
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((grad.reshape(len(grad), -1).norm(dim=1) - 1) ** 2).mean()


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradient_penalty_and_its_parameter_gradients_match_torch(activation):
    rng = np.random.default_rng(3)
    real, fake = rng.uniform(-1, 1, (2, 5, 1, 8, 8))
    alpha = rng.random((5, 1, 1, 1))
    ours, theirs = critics(activation)
    x_hat = train_gan.interpolates(vt.tensor(real), vt.tensor(fake), vt.tensor(alpha))
    penalty = train_gan.gradient_penalty(ours, x_hat)
    expected = torch_penalty(theirs, *(torch.tensor(a) for a in (real, fake, alpha)))
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-12)
    assert penalty.item() > 0.1  # far from |grad| = 1 at initialisation: a real test
    penalty.backward()
    expected.backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        theirs_grad = np.zeros(q.shape) if q.grad is None else q.grad.numpy()
        ours_grad = np.zeros(p.shape) if p.grad is None else p.grad.array
        np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-9, atol=1e-12, err_msg=name)
    weight_grads = [ours[0].weight.grad, ours[2].weight.grad, ours[5].weight.grad]
    assert all(g is not None and np.abs(g.array).max() > 1e-6 for g in weight_grads)


def functional_penalty(activation: str, x_hat):
    """The penalty of a conv critic written with functional ops, its weights as inputs."""
    act = (lambda h: F.leaky_relu(h, 0.2)) if activation == "leaky_relu" else vt.tanh

    def penalty(w1, b1, w2, b2, w3, b3):
        with vt.enable_grad():  # finite differences evaluate under no_grad; this needs a grad
            return inner(w1, b1, w2, b2, w3, b3)

    def inner(w1, b1, w2, b2, w3, b3):
        x = x_hat.detach().requires_grad_(True)
        h = act(F.conv2d(x, w1, b1, stride=2, padding=1))
        h = act(F.conv2d(h, w2, b2, stride=2, padding=1))
        scores = F.linear(h.flatten(1), w3, b3)
        (grad,) = vt.autograd.grad(scores.sum(), x, create_graph=True)
        return 10 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()

    return penalty


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradient_penalty_gradient_matches_finite_differences(activation):
    rng = np.random.default_rng(4)
    x_hat = vt.tensor(rng.uniform(-1, 1, (2, 1, 8, 8)))
    shapes = [(2, 1, 4, 4), (2,), (3, 2, 4, 4), (3,), (1, 12), (1,)]
    params = [vt.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]
    penalty = functional_penalty(activation, x_hat)
    assert vt.autograd.gradcheck(penalty, params, eps=1e-6, atol=1e-6, rtol=1e-5)
    # the script's own penalty through build_critic with these weights is the same function
    critic = train_gan.build_critic(DIGIT, (2, 3)).double()
    if activation == "tanh":
        critic[1], critic[3] = nn.Tanh(), nn.Tanh()
    with vt.no_grad():
        for parameter, value in zip(critic.parameters(), params, strict=True):
            parameter.copy_(value)
    module_penalty = train_gan.gradient_penalty(critic, x_hat.detach().requires_grad_(True))
    module_penalty.backward()
    functional = penalty(*params)
    grads = vt.autograd.grad(functional, params, allow_unused=True)
    assert module_penalty.item() == pytest.approx(functional.item(), rel=1e-12)
    for parameter, expected in zip(critic.parameters(), grads, strict=True):
        got = np.zeros(parameter.shape) if parameter.grad is None else parameter.grad.array
        want = np.zeros(parameter.shape) if expected is None else expected.array
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
