"""Allow ``python -m siteplan``."""

from siteplan.cli import main

if __name__ == "__main__":
    main()
