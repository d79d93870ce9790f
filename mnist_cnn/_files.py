"""Writing files so that an interrupted write never damages what was there before."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp"):
    """Yield a temporary file name next to ``path``; on success rename it to ``path``.

    If the block fails (or is interrupted) the temporary file is removed and ``path`` is left
    exactly as it was. ``suffix`` is the temporary file's ending (some writers need one, e.g.
    Keras wants ``.keras``). The file gets the mode a normally created file would have.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; use the usual file mode
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike, *, overwrite: bool = False, what: str = "output") -> Path:
    """Check, before a long job, that ``path`` can be written; return it as a Path.

    Creates (and removes) a temporary file in the target folder, which is the only check that
    holds for read-only mounts, ``/proc`` and permission quirks.

    Raises:
        ValueError: one line naming ``path`` and what to do (exists without ``overwrite``,
            a folder, or the folder cannot be created or written).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise ValueError(f"{what} {path} exists; pass --overwrite to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.stem}-check-", dir=path.parent):
            pass
    except OSError as exc:
        raise ValueError(f"{what} {path}: cannot write there ({exc.strerror or exc}); "
                         "choose another folder") from None
    return path
