"""The prompt files, shipped inside the drafter package as drafter.prompt_files (see pyproject.toml)."""
