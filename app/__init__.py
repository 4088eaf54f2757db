"""The application around the Dagster definitions in `assets/`: the `riskflows` command line,
the range runner it drives (`riskflows run`, `demo`), the benchmark harness, the local
instance's storage, and the evaluation over a matrix of worlds. Nothing here is loaded by the
code location (workspace.yaml loads `assets.definitions:defs` only)."""
