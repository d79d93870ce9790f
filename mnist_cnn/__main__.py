"""``python -m mnist_cnn``: see :mod:`mnist_cnn.cli`."""

import sys

from mnist_cnn.cli import main

sys.exit(main())
