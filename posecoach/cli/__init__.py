"""The command line: parse, call one use case, print. One module per command group."""
