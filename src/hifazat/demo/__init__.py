"""The demo scenario: agencies, people, projects and sites of a realistic CPEC protection set-up.

`hifazat demo` loads it (idempotently) through the real, audited service functions; see `scenario.load`.
"""
