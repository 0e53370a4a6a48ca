"""The Python service of rewrite-bench: a FastAPI app implementing services/CONTRACT.md."""
