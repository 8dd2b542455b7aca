"""The content-addressed evidence store: files kept by their SHA-256 under the data directory, checked on
every read. Domains import `hifazat.platform.evidence.api` only (an import-linter contract)."""
