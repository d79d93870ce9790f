"""Print the per-condition accuracy of the whole pipeline on the generated photo set.

Usage: python scripts/photo_accuracy.py [--split dev|test] [--n 600] [--numbers 200] [--keep DIR]

Generates the seeded photos of :mod:`mnist_cnn.photos` (same photos on every machine), reads them
with the shipped model through ``predict_images`` (files on disk: PNG / JPEG / WebP) and, unless
``--numbers 0``, reads generated 2-6 digit numbers with ``read_number``. Prints Markdown tables.
Tune on ``dev``; report ``test``.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--n", type=int, default=600, help="single-digit photos (600)")
    parser.add_argument("--numbers", type=int, default=200, help="number photos (200; 0 skips)")
    parser.add_argument("--keep", help="also write the digit photos into this folder")
    args = parser.parse_args(argv)
    from mnist_cnn.cli import import_tensorflow_quietly
    from mnist_cnn.io import load_shipped_model
    from mnist_cnn.photos import accuracy_table, evaluate_digits, evaluate_numbers, format_table

    import_tensorflow_quietly()
    model = load_shipped_model()
    digits = evaluate_digits(args.split, args.n, model=model, folder=args.keep)
    print(format_table(accuracy_table(digits), f"One digit per photo, {args.split} set"), flush=True)
    if args.numbers:
        numbers = evaluate_numbers(args.split, args.numbers, model=model)
        rows = [r for r in accuracy_table(numbers) if r[0] in ("all", "paper")]
        print("\n" + format_table(rows, f"Whole numbers (2-6 digits) read exactly, {args.split} set"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
