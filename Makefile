# The two set-up commands of the README. Both install what they need first.
.PHONY: quickstart test setup soak

setup:
	@scripts/setup

# Build a release binary, run the quickstart sweep on the local worker, write its report.
quickstart: setup
	swift build -c release --product sweep
	.build/release/sweep launch quickstart
	.build/release/sweep report quickstart
	.build/release/sweep best quickstart

# The whole test suite (debug build), run with TMPDIR at a fresh folder: a test that leaves
# a file, folder, socket or process behind fails the run, named (scripts/test-leaving-nothing).
# Built first, outside that folder: the compiler's temporary files are not the tests'.
test: setup
	swift build --build-tests
	scripts/test-leaving-nothing swift test --skip-build

# The chaos soak with a ledger (minutes; not part of `make test`, which runs its short
# version): thousands of jobs on the local worker, two SSH hosts and a 3-node Slurm cluster
# while a nemesis kills and cuts things; a fault-free run first, for throughput. Root only
# (a tmpfs for the store). Figures in .build/soak-report.txt.
soak: setup
	swift build --build-tests
	SWEEP_SOAK_JOBS=3000 SWEEP_SOAK_REPORT=$(CURDIR)/.build/soak-report.txt swift test --skip-build --filter ChaosSoakTests
