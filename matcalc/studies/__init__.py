"""Studies that measure the methods: finite-difference error, expression swell, symbolic checks."""
