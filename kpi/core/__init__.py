"""Shared helpers every feature may import: time, number types, labels. They import no feature."""
