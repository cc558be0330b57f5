"""Developer tooling of dect.provisioning, never shipped (galaxy.yml ``build_ignore``): the DECT server
emulator, the site lab, the daemons and peers the tests start, and the runners. Tests, the demo,
the benchmarks, molecule and tools/ import it; it imports nothing from tests/. docs/development.md
lists its modules; ``devtools.collection`` makes this checkout the collection."""
