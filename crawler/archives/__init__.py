"""Web archives as a source: a newspaper's captures listed from an archive's index and fetched
as the archive keeps them."""
