# make demo   - run the main job: TikTok Shop -> DuckDB through Meltano (sandbox when no credentials)
# make test   - run the whole test suite (installs what it needs)
# make bench  - run the performance benchmark against the sandbox
.PHONY: demo test bench lint setup clean

setup:
	@scripts/bootstrap.sh

demo: setup
	@scripts/demo.sh

test: setup
	@scripts/test.sh

bench: setup
	@.venv/bin/python -m benchmarks.run

lint: setup
	@.venv/bin/ruff check .

clean:
	rm -rf .venv .meltano output .tokens .pytest_cache
