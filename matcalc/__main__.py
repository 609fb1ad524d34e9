"""``python -m matcalc``: the same as the ``matcalc`` command."""

import sys

from matcalc.frontends.cli import main

sys.exit(main())
