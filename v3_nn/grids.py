"""Pictures of many small images at once, for the generative scripts (train_autoencoder, train_gan).

A grid is exact pixels, not a plot: each image (values in [0, 1], 0 black) is blown up to
`scale` x `scale` blocks per pixel and the cells are separated by `pad` pixels of mid grey,
so a grid of `rows` x `columns` images of side `side` is

    width  = columns * side * scale + (columns + 1) * pad
    height = rows    * side * scale + (rows + 1)    * pad

pixels, which the tests check. PNG bytes come from Pillow, imported only when asked.
"""

from __future__ import annotations

import io

import numpy as np

BORDER = 128  # mid grey between the cells


def grid_size(rows: int, columns: int, side: int, scale: int, pad: int = 1) -> tuple[int, int]:
    """(width, height) in pixels of a grid of rows x columns images of side x side pixels."""
    return columns * side * scale + (columns + 1) * pad, rows * side * scale + (rows + 1) * pad


def tile(images: np.ndarray, columns: int, scale: int = 4, pad: int = 1) -> np.ndarray:
    """(N, side, side) images in [0, 1] as one uint8 picture, row by row, `columns` a row.

    A last row that is not full is left grey.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"tile: expected (N, side, side) images, got shape {images.shape}")
    count, side = images.shape[0], images.shape[1]
    rows = max(1, -(-count // columns))
    width, height = grid_size(rows, columns, side, scale, pad)
    picture = np.full((height, width), BORDER, dtype=np.uint8)
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    cell = side * scale
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = pad + row * (cell + pad), pad + column * (cell + pad)
        block = np.kron(pixels[index], np.ones((scale, scale), dtype=np.uint8))
        picture[top : top + cell, left : left + cell] = block
    return picture


def png(picture: np.ndarray) -> bytes:
    """A uint8 greyscale array as PNG file bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()
