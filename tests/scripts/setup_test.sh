#!/usr/bin/env bash
# scripts/setup.sh on a machine missing a package, with and without an
# existing policy-rc.d (container images ship one), run without root: the
# package list, the policy path and apt-get are pointed at a temp dir.
set -euo pipefail
setup=${1:?usage: setup_test.sh PATH/TO/setup.sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# A fake apt-get that records its arguments and whether a policy stopping
# package servers was in place while it ran.
cat >"$work/apt-get" <<'FAKE'
#!/usr/bin/env bash
if [ -x "$CAFE_TEST_POLICY" ] && ! "$CAFE_TEST_POLICY"; then policy=blocks; else policy=absent; fi
echo "$* policy=$policy" >>"$CAFE_TEST_LOG"
FAKE
chmod 755 "$work/apt-get"
printf '# test list\ncloudcafe-package-that-does-not-exist\n' >"$work/packages.txt"

run_setup() {
  CAFE_SETUP_PACKAGES="$work/packages.txt" CAFE_SETUP_POLICY="$work/policy-rc.d" \
    CAFE_SETUP_APT_GET="$work/apt-get" CAFE_TEST_POLICY="$work/policy-rc.d" CAFE_TEST_LOG="$work/log" \
    "$setup" >"$work/out" 2>&1
}

# 1. No policy file: setup creates one for the install, then removes it.
rm -f "$work/policy-rc.d" "$work/log"
run_setup || fail "without a policy file: exit $? ($(cat "$work/out"))"
grep -q '^install .*cloudcafe-package-that-does-not-exist policy=blocks$' "$work/log" ||
  fail "without a policy file: install did not run under a blocking policy: $(cat "$work/log")"
[ ! -e "$work/policy-rc.d" ] || fail "without a policy file: the policy setup created was left behind"

# 2. An existing policy file (exit 101, as container images ship it): setup
# succeeds and leaves the file exactly as it was.
printf '#!/bin/sh\n# shipped by the image\nexit 101\n' >"$work/policy-rc.d"
chmod 755 "$work/policy-rc.d"
before=$(sha256sum <"$work/policy-rc.d")
rm -f "$work/log"
run_setup || fail "with a policy file: exit $? ($(cat "$work/out"))"
grep -q '^install .*policy=blocks$' "$work/log" || fail "with a policy file: install did not run: $(cat "$work/log")"
[ "$(sha256sum <"$work/policy-rc.d")" = "$before" ] || fail "with a policy file: the image's policy was changed"

# 3. Nothing missing: no apt-get at all.
printf 'bash\n' >"$work/packages.txt"
rm -f "$work/log"
run_setup || fail "nothing missing: exit $?"
[ ! -e "$work/log" ] || fail "nothing missing: apt-get ran: $(cat "$work/log")"

# 4. apt-get failing fails setup, and the created policy is still removed.
printf 'cloudcafe-package-that-does-not-exist\n' >"$work/packages.txt"
rm -f "$work/policy-rc.d"
printf '#!/bin/sh\nexit 100\n' >"$work/apt-get"
if run_setup; then fail "a failing apt-get did not fail setup"; fi
[ ! -e "$work/policy-rc.d" ] || fail "a failing apt-get left the created policy behind"

[ "$failures" -eq 0 ] && echo "setup_test: 4 cases passed"
exit "$failures"
