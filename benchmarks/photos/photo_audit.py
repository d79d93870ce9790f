"""Blind check of the photo set's labels: can a reader read each handwritten digit as its label?

    python benchmarks/photos/photo_audit.py sheets DIR          # the digits to read, numbered, unlabelled
    python benchmarks/photos/photo_audit.py report LABELS.json  # score a reader's answers and the reader

The photo set (:mod:`mnist_cnn.reading.synthetic`) redraws its UCI digits from 8x8 originals, and some
come out as shapes that are not clearly their digit. ``sheets`` draws, as black ink on white, every
UCI digit of the dev and test photos (600 each) and, as a control, 120 digits drawn at random
from the other two sources, shuffled together (seeded) and numbered, with nothing else on
the page. A reader who sees only the sheets writes what each one reads: a digit, or "?" when
they cannot tell. ``LABELS.json`` maps each number (a string) to ``{"read": "7" or "?", ...}``.

``report`` compares the answers with the true labels and with what the shipped pipeline reads
on the full photos (which takes several minutes: 1,200 photos), and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

SPLITS = ("dev", "test")
N_PHOTOS = 600
N_CONTROL = 120
SEED = 7
CELL, COLUMNS, ROWS = 110, 8, 5


def photos(encode: bool = True) -> dict[str, list]:
    """Each split's photos, with their glyphs (``encode=False``: without the files, which the
    sheets do not need; same conditions, labels and glyphs, about half the time)."""
    from mnist_cnn.reading.synthetic import digit_photos

    return {split: list(digit_photos(split, N_PHOTOS, with_glyphs=True, encode=encode)) for split in SPLITS}


def items(by_split: dict[str, list] | None = None) -> list[dict]:
    """The digits to read, in sheet order: split, photo index, source, label and glyph."""
    by_split = by_split or photos(encode=False)
    written = [{"split": split, "photo": i, "source": p.conditions["source"], "label": int(p.label),
                "glyph": p.glyph}
               for split in SPLITS for i, p in enumerate(by_split[split])]
    rng = np.random.default_rng(SEED)
    uci = [w for w in written if w["source"] == "uci"]
    others = [w for w in written if w["source"] != "uci"]
    chosen = uci + [others[i] for i in rng.choice(len(others), N_CONTROL, replace=False)]
    return [chosen[i] for i in rng.permutation(len(chosen))]


def draw_sheets(folder: Path) -> int:
    """Write sheet_NN.png files of numbered digits (no labels, no sources) into ``folder``."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    digits = items()
    per_sheet = COLUMNS * ROWS
    for first in range(0, len(digits), per_sheet):
        sheet = Image.new("L", (COLUMNS * CELL, ROWS * CELL), 255)
        draw = ImageDraw.Draw(sheet)
        for k, item in enumerate(digits[first:first + per_sheet]):
            ys, xs = np.nonzero(item["glyph"] > 0.05)
            ink = item["glyph"][ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            scale = 80 / max(ink.shape)
            size = (max(1, int(ink.shape[1] * scale)), max(1, int(ink.shape[0] * scale)))
            cell = Image.fromarray((255 * (1 - ink)).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
            x, y = (k % COLUMNS) * CELL, (k // COLUMNS) * CELL
            sheet.paste(cell, (x + (CELL - cell.width) // 2, y + 18 + (90 - cell.height) // 2))
            draw.text((x + 3, y + 2), str(first + k), fill=0)
            draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], outline=190)
        sheet.save(folder / f"sheet_{first // per_sheet:02d}.png")
    return len(digits)


def report(labels_path: Path) -> str:
    """Markdown tables: the reader against the labels, and the pipeline on each group."""
    from mnist_cnn.reading.scoring import evaluate_digits

    answers = json.loads(labels_path.read_text())
    by_split = photos()
    digits = items(by_split)
    if len(answers) != len(digits):
        raise ValueError(f"{labels_path} has {len(answers)} answers but there are {len(digits)} digits")
    right = {split: [ok for _, ok in evaluate_digits(split, photos=by_split[split])] for split in SPLITS}
    lines = ["| split | digits from | n | reader reads the label | reads another digit | cannot tell "
             "| pipeline right: all | pipeline right: the ones read as their label |",
             "|---|---|---|---|---|---|---|---|"]
    unreadable = {split: set() for split in SPLITS}
    for split in SPLITS:
        for group in ("uci", "control"):
            rows = [(answers[str(i)]["read"], d) for i, d in enumerate(digits) if d["split"] == split
                    and (d["source"] == "uci") == (group == "uci")]
            agree = [d for read, d in rows if read == str(d["label"])]
            other = sum(read not in ("?", str(d["label"])) for read, d in rows)
            unsure = sum(read == "?" for read, _ in rows)
            if group == "uci":
                unreadable[split] = {d["photo"] for read, d in rows if read != str(d["label"])}
            name = "UCI (8x8 originals)" if group == "uci" else "MNIST + strokes (control)"
            lines.append(f"| {split} | {name} | {len(rows)} | {len(agree) / len(rows):.1%} | {other} "
                         f"| {unsure} | {np.mean([right[split][d['photo']] for _, d in rows]):.1%} "
                         f"| {np.mean([right[split][d['photo']] for d in agree]):.1%} |")
    lines += ["", "| split | all photos | without the UCI photos the reader did not read as their label |",
              "|---|---|---|"]
    for split in SPLITS:
        kept = [ok for i, ok in enumerate(right[split]) if i not in unreadable[split]]
        lines.append(f"| {split} | {np.mean(right[split]):.1%} ({N_PHOTOS}) "
                     f"| {np.mean(kept):.1%} ({len(kept)}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sheets", help="draw the sheets to read").add_argument("folder", type=Path)
    sub.add_parser("report", help="score a reader's answers").add_argument("labels", type=Path)
    args = parser.parse_args(argv)
    if args.command == "sheets":
        print(f"wrote {draw_sheets(args.folder)} digits to {args.folder}")
        return 0
    if not args.labels.is_file():
        print(f"error: no labels file at {args.labels}", file=sys.stderr)
        return 2
    from mnist_cnn.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    print(report(args.labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
