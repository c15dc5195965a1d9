# Two commands on a fresh machine (Python 3.11+, Java 17, Maven): `make demo` and `make test`
# (which installs Debian's postgresql when missing).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled
PACKAGES := records matching connectors indexer federation alerts network auth state dockets api web simulators cli config sqlitewal

.PHONY: help demo demo-cluster test lint typecheck format bench bench-names bench-load bench-network clean

help:
	@echo "make demo          synthetic world + simulators + sync + API on 127.0.0.1:8000"
	@echo "make demo-cluster  the same demo on a local OpenSearch node"
	@echo "make test          lint, type-check, and the whole suite against a real OpenSearch node"
	@echo "make bench         benchmarks (ingest, retrieval, API); results under bench/results/"
	@echo "make bench-names   name-matching quality benchmark (embedded and a local OpenSearch node)"
	@echo "make bench-yente   this product next to yente, same node, world and queries, by CPU"
	@echo "make bench-load    officers at once: locust against API workers on PostgreSQL + OpenSearch"
	@echo "make bench-network 3-hop neighbourhood latency on a graph of a million records"
	@echo "make chaos         three OpenSearch nodes; one killed during a sync and a search load"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# the name matcher's hot modules, compiled with mypyc; plain Python when that cannot be done
$(COMPILED): $(STAMP) $(wildcard matching/*.py) scripts/compile_matching.py
	$(PY) scripts/compile_matching.py
	touch $(COMPILED)

demo: $(COMPILED)
	$(PY) scripts/pdf_fonts.py ensure
	$(VENV)/bin/icjs demo

demo-cluster: $(COMPILED)
	$(PY) scripts/pdf_fonts.py ensure
	$(VENV)/bin/icjs demo --backend opensearch

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# bench/ too: its code drives the backends' internals and rots silently when they change
typecheck: $(STAMP)
	$(VENV)/bin/mypy $(PACKAGES) bench

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# PostgreSQL: the state stores' tests start a server of their own (tests/plugins/postgres.py);
# this installs Debian's server programs first when the machine has none.
test: lint typecheck $(COMPILED)
	$(PY) scripts/postgres_server.py ensure
	$(PY) scripts/chromium.py ensure
	$(PY) scripts/pdf_fonts.py ensure
	$(PY) scripts/opensearch_node.py run -- $(PY) -m pytest $(PYTEST_ARGS)

bench: $(COMPILED)
	$(PY) scripts/opensearch_node.py run -- $(PY) -m bench.run $(BENCH_ARGS)

bench-names: $(COMPILED)
	$(PY) scripts/opensearch_node.py run -- $(PY) -m bench.names.run $(BENCH_ARGS)

# this product next to OpenSanctions' yente (from PyPI, in .cache/yente-5.5.0) on one OpenSearch
# node: searches per core-second, p50/p95, recall@10; BENCH_ARGS="--baseline ../other-checkout"
.PHONY: bench-yente
bench-yente: $(COMPILED)
	$(PY) scripts/opensearch_node.py run -- $(PY) -m bench.yente.run $(BENCH_ARGS)

# 100 officers against 4 API workers, shared state on PostgreSQL, the index on OpenSearch
bench-load: $(COMPILED)
	$(PY) scripts/postgres_server.py ensure
	$(PY) scripts/postgres_server.py run -- $(PY) scripts/opensearch_node.py run -- \
		$(PY) -m bench.load.run $(BENCH_ARGS)

# a million generated records through the graph's own build; BENCH_ARGS="--records 200000"
bench-network: $(STAMP)
	$(PY) -m bench.network.run $(BENCH_ARGS)

# sync, search and memory as the index grows (#21 item 3); GROWTH_PERSONS=26000,260000 for
# about 100,000 and 1,000,000 records
GROWTH_PERSONS ?= 26000
.PHONY: bench-growth
bench-growth: $(COMPILED)
	$(PY) -m bench.growth.run --persons $(GROWTH_PERSONS) $(BENCH_ARGS)
	$(PY) scripts/opensearch_node.py run -- $(PY) -m bench.growth.run --backend opensearch \
		--persons $(GROWTH_PERSONS) $(BENCH_ARGS)

# three OpenSearch nodes on loopback (512 MB heap each), one killed (SIGKILL) during a sync
# and again during a search load; CHAOS_ARGS="--persons 5000 --down-s 30" (bench/chaos/run.py)
.PHONY: chaos
chaos: $(COMPILED)
	$(PY) -m bench.chaos.run $(CHAOS_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
	test ! -x $(PY) || $(PY) scripts/compile_matching.py --clean
	rm -f $(COMPILED)
