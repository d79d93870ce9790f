"""Print the per-condition accuracy of the whole pipeline on the generated photo set.

Usage: python benchmarks/photos/photo_accuracy.py [--split dev|test] [--n 600] [--numbers 200] [--seed S]
                                       [--keep DIR] [--members]

Generates the seeded photos of :mod:`mnist_cnn.reading.synthetic` (same photos on every machine), reads them
with the shipped model through ``read_digits`` (files on disk: PNG / JPEG / WebP) and, unless
``--numbers 0``, reads generated 2-6 digit numbers with ``read_number``. Prints Markdown tables.
Tune on ``dev``; report ``test``. ``--members``: for the shipped ensemble, instead score each of its
networks alone and their average on the same single-digit photos (one line each). ``--seed``: a
fresh sample of the split's source digits (check a change made on dev on photos it was not made on).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--n", type=int, default=600, help="single-digit photos (600)")
    parser.add_argument("--numbers", type=int, default=200, help="number photos (200; 0 skips)")
    parser.add_argument("--seed", type=int, help="draw other photos (default: the split's own seed)")
    parser.add_argument("--keep", help="also write the digit photos into this folder")
    parser.add_argument("--members", action="store_true",
                        help="score each network of the shipped ensemble alone, and their average")
    args = parser.parse_args(argv)
    from mnist_cnn.quiet import import_tensorflow_quietly
    from mnist_cnn.reading.scoring import accuracy_table, evaluate_digits, evaluate_numbers, format_table
    from mnist_cnn.reading.shipped import load_shipped_model

    import_tensorflow_quietly()
    model = load_shipped_model()
    if args.members:
        import keras

        from mnist_cnn.reading.synthetic import digit_photos

        photos = list(digit_photos(args.split, args.n, seed=args.seed))
        networks = [layer for layer in model.layers if isinstance(layer, keras.Sequential)] + [model]
        for network in networks:
            read = evaluate_digits(args.split, model=network, photos=photos)
            print(f"{network.name}: {sum(ok for _, ok in read) / len(read):.1%} of {len(read)} "
                  f"{args.split} photos", flush=True)
        return 0
    digits = evaluate_digits(args.split, args.n, model=model, folder=args.keep, seed=args.seed)
    print(format_table(accuracy_table(digits), f"One digit per photo, {args.split} set"), flush=True)
    if args.numbers:
        numbers = evaluate_numbers(args.split, args.numbers, model=model, seed=args.seed)
        rows = [r for r in accuracy_table(numbers) if r[0] in ("all", "paper")]
        print("\n" + format_table(rows, f"Whole numbers (2-6 digits) read exactly, {args.split} set"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
