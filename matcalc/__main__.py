"""``python -m matcalc``: the same as the ``matcalc`` command."""

import sys

from matcalc.cli import main

sys.exit(main())
