# Conveniences only: each target calls a script, which works without make.
.PHONY: run test build setup icon package package-test

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

# dist/: Linux binary, .deb, signed Windows app and installer, SHA256SUMS.
package:
	bash scripts/package.sh

# Installs dist/'s .deb into this system, tests it, removes it (root).
package-test:
	bash scripts/package-test.sh
