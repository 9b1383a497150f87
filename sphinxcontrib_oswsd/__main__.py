"""``python -m sphinxcontrib_oswsd`` runs the ``oswsd`` command."""

import sys

from sphinxcontrib_oswsd.cli import main

sys.exit(main())
