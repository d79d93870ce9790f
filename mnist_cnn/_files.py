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
