"""Command line: thin wrappers that parse options, call the app and render."""
