"""Turning a flat ticket into a phone photo: a table under it, tilt up to 10 degrees, a
keystone from holding the phone at an angle, uneven light, a hand's shadow, sensor noise,
focus blur, JPEG artefacts, and sometimes a sideways sensor with an EXIF orientation tag
(as phones save portrait shots) so the reader has to honour it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from random import Random

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

# EXIF orientation values and how a camera stores the upright picture for each
# (exif_transpose applies the opposite turn to show it upright again).
SIDEWAYS = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270,
            3: Image.Transpose.ROTATE_180}
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class Shot:
    angle: float
    keystone: float
    blur: float
    quality: int
    shadow: bool
    exif_orientation: int  # 1 = upright

    def describe(self) -> str:
        return (f"tilt {self.angle:+.1f}°, keystone {self.keystone:.0%}, blur {self.blur:.1f}, "
                f"JPEG q{self.quality}, {'shadow, ' if self.shadow else ''}"
                f"EXIF orientation {self.exif_orientation}")


def random_shot(rng: Random) -> Shot:
    return Shot(angle=rng.uniform(-10, 10), keystone=rng.uniform(0, 0.06),
                blur=rng.uniform(0, 1.3), quality=rng.randrange(40, 86),
                shadow=rng.random() < 0.5,
                exif_orientation=rng.choice((6, 8, 3)) if rng.random() < 0.25 else 1)


def photograph(paper: Image.Image, shot: Shot, rng: Random) -> bytes:
    table = rng.choice(((92, 72, 55), (60, 60, 64), (130, 120, 105), (40, 45, 40)))
    border = (int(paper.width * rng.uniform(0.05, 0.18)), int(paper.height * rng.uniform(0.04, 0.12)))
    scene = Image.new("RGB", (paper.width + 2 * border[0], paper.height + 2 * border[1]), table)
    scene.paste(paper, border)
    scene = scene.rotate(shot.angle, Image.Resampling.BILINEAR, expand=True, fillcolor=table)
    scene = _keystone(scene, shot.keystone, rng, table)
    scene = _light(scene, rng)
    if shot.shadow:
        scene = _shadow(scene, rng)
    # Grain a little coarser than a pixel, as a phone's denoised sensor noise is; drawn
    # from `rng` (Image.effect_noise is not seeded) so that a photo depends on its seed only.
    size = (scene.width // 2, scene.height // 2)
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    noise = grain.resize(scene.size, Image.Resampling.NEAREST).convert("RGB")
    scene = Image.blend(scene, noise, rng.uniform(0.03, 0.1))
    scene = scene.filter(ImageFilter.GaussianBlur(shot.blur))
    long_side = rng.randrange(1300, 2300)
    scale = long_side / max(scene.size)
    scene = scene.resize((round(scene.width * scale), round(scene.height * scale)),
                         Image.Resampling.LANCZOS)
    exif = Image.Exif()
    if shot.exif_orientation != 1:
        # The sensor stored it turned; the tag tells viewers how to turn it back.
        scene = scene.transpose(SIDEWAYS[shot.exif_orientation])
        exif[ORIENTATION_TAG] = shot.exif_orientation
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=shot.quality, exif=exif)
    return out.getvalue()


def _keystone(scene: Image.Image, amount: float, rng: Random, fill) -> Image.Image:
    """The top (or a side) seen farther away: a source quadrilateral mapped onto the frame."""
    w, h = scene.size
    dx, dy = amount * w, amount * h
    if rng.random() < 0.5:  # top farther than bottom
        quad = (-dx, 0, 0, h, w, h, w + dx, 0)
    else:  # one side farther than the other
        quad = (0, -dy, 0, h + dy, w, h, w, 0)
    return scene.transform(scene.size, Image.Transform.QUAD, quad, Image.Resampling.BILINEAR,
                           fillcolor=fill)


def _light(scene: Image.Image, rng: Random) -> Image.Image:
    """Light falling off across the page, from a random side."""
    low = rng.randrange(150, 230)
    gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360)).resize(scene.size)
    gradient = gradient.point(lambda v: low + (255 - low) * v // 255)
    return ImageChops.multiply(scene, Image.merge("RGB", (gradient,) * 3))


def _shadow(scene: Image.Image, rng: Random) -> Image.Image:
    w, h = scene.size
    mask = Image.new("L", scene.size, 0)
    corner_x, corner_y = rng.choice(((0, 0), (w, 0), (0, h), (w, h)))
    points = [(corner_x, corner_y), (abs(corner_x - w * rng.uniform(0.3, 0.8)), corner_y),
              (abs(corner_x - w * rng.uniform(0.1, 0.5)), abs(corner_y - h * rng.uniform(0.2, 0.6))),
              (corner_x, abs(corner_y - h * rng.uniform(0.3, 0.7)))]
    ImageDraw.Draw(mask).polygon(points, fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(15, 45)))
    dark = ImageEnhance.Brightness(scene).enhance(rng.uniform(0.5, 0.75))
    return Image.composite(dark, scene, mask)
