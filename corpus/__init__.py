"""The example corpus, shipped inside the drafter package as drafter.example_corpus (see pyproject.toml)."""
