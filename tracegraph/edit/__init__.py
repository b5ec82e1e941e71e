"""Write commands: change documents without breaking the graph (issue 16)."""
