"""``python -m fakesite [options]``: serve the fake Louvre (see ``fakesite.server``)."""

import sys

from fakesite.server import main

sys.exit(main())
