"""The one command line: `newsarchive <subcommand>`; each subcommand lives in its own module."""
