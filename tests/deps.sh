#!/bin/sh
# Install the Debian 12 packages sealpost needs, only those missing.
#
#   tests/deps.sh build   compiler and libraries to build sealpost
#   tests/deps.sh test    build + unit/real-server test tools (default)
#   tests/deps.sh demo    build + what tests/harness/mta.sh needs
#   tests/deps.sh bench   build + harness + msmtp (make bench)
#   tests/deps.sh all     everything above
#
# For test/demo/all it also fetches and unpacks postfix and dovecot-core
# into the harness cache (see tests/harness/mta.sh) so that starting a
# test MTA needs no network.  Those two packages are never installed.
# Must run as root; quiet unless something fails.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)

BUILD_PKGS="make gcc pkg-config libgnutls28-dev libgsasl-dev libinih-dev"

# What tests/harness/mta.sh itself runs: certtool, python3 (port picking,
# readiness probes, selftest), ss (selftest), apt/dpkg (present anyway).
HARNESS_PKGS="gnutls-bin python3 iproute2"

# Shared libraries needed by the unpacked postfix and dovecot-core binaries
# that the harness runs (found with ldd on the dpkg -x tree and checked
# against both packages' Depends).  Dovecot plugins the harness does not
# load (lua, fts/exttextcat, tcpwrap) are deliberately left out.
MTA_RUNTIME_PKGS="libc6 libcrypt1 libssl3 libsasl2-2 libdb5.3 libicu72
libnsl2 libtirpc3 libpam0g libsodium23 libcap2 libsystemd0 libapparmor1
libbz2-1.0 liblz4-1 liblzma5 libzstd1 zlib1g libunwind8 libstemmer0d"

# swaks needs Net::SSLeay for STARTTLS/SMTPS; it is only a Recommends.
TEST_PKGS="libcmocka-dev gnutls-bin python3 clang libclang-rt-14-dev swaks
libnet-ssleay-perl groff-base time"

mode=${1:-test}
case $mode in
    build) want=$BUILD_PKGS ;;
    test)  want="$BUILD_PKGS $TEST_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS" ;;
    demo)  want="$BUILD_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS" ;;
    all)   want="$BUILD_PKGS $TEST_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS msmtp" ;;
    bench) want="$BUILD_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS msmtp time" ;;
    *) echo "usage: $0 [build|test|demo|bench|all]" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: must run as root (apt-get install)" >&2
    exit 1
fi

missing=""
for p in $want; do
    case " $missing " in *" $p "*) continue ;; esac
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || missing="$missing $p"
done

if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    if ! apt-get update -qq >"$log" 2>&1 ||
       ! apt-get install -y -qq --no-install-recommends $missing \
            >>"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "deps.sh: failed to install:$missing" >&2
        exit 1
    fi
    rm -f "$log"
fi

case $mode in
    test|demo|bench|all) MTA_QUIET=1 "$HERE/harness/mta.sh" fetch ;;
esac
