# The two set-up commands of the README. Both install what they need first.
.PHONY: quickstart test setup

setup:
	@scripts/setup

# Build a release binary, run the quickstart sweep on the local worker, write its report.
quickstart: setup
	swift build -c release --product sweep
	.build/release/sweep launch quickstart
	.build/release/sweep report quickstart
	.build/release/sweep best quickstart

# The whole test suite (debug build).
test: setup
	swift test
