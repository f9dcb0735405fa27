"""`python -m pipeline` is the `profiles` command."""
import sys

from pipeline.cli import main

sys.exit(main())
