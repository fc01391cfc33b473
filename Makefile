# Conveniences only: each target calls a script, which works without make.
.PHONY: run test build setup icon

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

build:
	bash scripts/build.sh

setup:
	bash scripts/setup.sh

icon:
	bash scripts/make-icon.sh
