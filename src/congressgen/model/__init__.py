"""The site model: types, assembly and the page-kind and data-source seams (see docs/architecture.md)."""
