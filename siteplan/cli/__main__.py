"""Allow ``python -m siteplan.cli``."""

from siteplan.cli import main

if __name__ == "__main__":
    main()
