# shequ — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE := shequ.settings

.PHONY: run test bench setup lint format lock browser-deps clean

# Creates the virtual environment and installs the locked dependencies, once per lock change.
$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("shequ needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(BIN)/.installed

# `make run` serves as production would (DEBUG off: Chinese error pages, WhiteNoise static
# files), with a secret key and the keys that encrypt ID numbers and phones kept in data/ and
# plain HTTP on the loopback address.
RUN_ENV = DEBUG=false SECRET_KEY="$$(cat data/secret_key)" ALLOWED_HOSTS=127.0.0.1,localhost \
	SHEQU_HTTPS=false SHEQU_DATA_KEYS="$$(cat data/data_keys)" SHEQU_HASH_KEYS="$$(cat data/hash_keys)"
# $(call new_key,ID): a line "ID:base64" of 32 random bytes, as SHEQU_DATA_KEYS/SHEQU_HASH_KEYS read it.
new_key = mkdir -p data; umask 077; $(BIN)/python -c \
	'import base64, secrets; print("$(1):" + base64.b64encode(secrets.token_bytes(32)).decode())'

data/secret_key: | $(BIN)/.installed
	mkdir -p data
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(60))' > $@
	chmod 600 $@

# Losing data/data_keys loses every ID number and phone: back it up apart from the database.
data/data_keys: | $(BIN)/.installed
	$(call new_key,k1) > $@

data/hash_keys: | $(BIN)/.installed
	$(call new_key,h1) > $@

run: setup data/secret_key data/data_keys data/hash_keys
	$(RUN_ENV) $(BIN)/shequ migrate --no-input -v 0
	$(RUN_ENV) $(BIN)/shequ collectstatic --no-input -v 0
	$(RUN_ENV) $(BIN)/shequ demo --if-empty
	@echo ""
	@echo "shequ 已启动： http://127.0.0.1:$(PORT)/   （Ctrl+C 停止）"
	@echo ""
	$(RUN_ENV) $(BIN)/shequ runserver --noreload 127.0.0.1:$(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/shequ makemigrations --check --dry-run -v 0
	$(BIN)/pytest -n auto

# Every benchmark (bench/run.py): a few minutes; writes bench/results.json. One group only, its
# rows merged into the file: make bench BENCH_ARGS="--only records" (or import, lists).
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate requirements.lock after changing the dependencies in pyproject.toml.
lock: setup
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

# Debian's Chromium and Chinese fonts for the browser tests (needs root).
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

clean:
	rm -rf $(VENV) data
