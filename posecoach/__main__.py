import sys

from posecoach.cli.commands import main

sys.exit(main())
