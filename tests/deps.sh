#!/bin/sh
# Install the Debian 12 packages sealpost needs, only those missing.
#
#   tests/deps.sh build   compiler and libraries to build sealpost
#   tests/deps.sh test    build + unit/real-server test tools (default)
#   tests/deps.sh demo    build + what tests/harness/mta.sh needs
#   tests/deps.sh bench   build + harness (Postfix, DNSSEC) + msmtp (make bench)
#   tests/deps.sh package build + what `make deb` needs (debhelper, lintian)
#   tests/deps.sh all     everything above
#
# For test/demo/bench/all it also fetches and unpacks postfix and
# dovecot-core into the harness cache (see tests/harness/mta.sh), nsd and
# unbound (see tests/harness/dnssec.sh), and for test/all nginx (see
# tests/harness/web.sh) and Exim and OpenSMTPD (tests/harness/exim.sh,
# opensmtpd.sh), so that starting a test MTA, DNSSEC stack or web
# server needs no network.  Those packages are never installed (installing
# them would start system daemons); only their libraries are.
# Must run as root; quiet unless something fails.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)

# libunbound for dns_validate; libevent-dev only because libunbound.pc
# names libevent in Requires.private, which pkg-config resolves.
BUILD_PKGS="make gcc pkg-config libgnutls28-dev libgsasl-dev libinih-dev libunbound-dev
libevent-dev"

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

# tests/harness/dnssec.sh: ldnsutils (ldns-keygen, ldns-signzone,
# ldns-key2ds, drill; starts no daemon) and the shared libraries of the
# unpacked nsd 4.6 and unbound 1.17 binaries (ldd on the dpkg -x tree,
# checked against both packages' Depends).  unbound links libpython3.11
# for its python module even though the harness never loads it.
DNSSEC_PKGS="ldnsutils libc6 libssl3 libevent-2.1-7 libfstrm0 libprotobuf-c1
libsystemd0 libnghttp2-14 libpython3.11 libexpat1 zlib1g libcap2 libgcrypt20
libgpg-error0 liblzma5 libzstd1 liblz4-1"

# tests/harness/web.sh: the shared libraries of the unpacked nginx (the
# MTA-STS policy server; ldd on the dpkg -x tree).
WEB_PKGS="libc6 libcrypt1 libpcre2-8-0 libssl3 zlib1g"

# tests/harness/exim.sh and opensmtpd.sh (the interop case): the shared
# libraries of the unpacked exim4 (exim4-daemon-light) and OpenSMTPD
# smtpd/mail.maildir/encrypt binaries (readelf NEEDED on the dpkg -x
# tree, checked against both packages' Depends); util-linux and mount for
# unshare and mount --bind (both daemons run in a private mount namespace,
# see tests/harness/nsmta.sh).
INTEROP_PKGS="util-linux mount libc6 libcrypt1 libnsl2 libtirpc3 libdb5.3 libgnutls30
libgnutls-dane0 libidn12 libidn2-0 libpcre2-8-0 libssl3 libevent-2.1-7 libpam0g
zlib1g"

# swaks needs Net::SSLeay for STARTTLS/SMTPS; it is only a Recommends.
# monitoring-plugins-standard: its check_mailq reads mailq's summary line
# (tests/integration/cases/queue_admin.sh); it starts no daemon. msmtp: what
# tests/import/run.sh compares --import's accounts with (msmtp -P).
TEST_PKGS="libcmocka-dev gnutls-bin python3 clang libclang-rt-14-dev swaks
libnet-ssleay-perl groff-base time monitoring-plugins-standard msmtp"

# make deb and tests/package/run.sh: dpkg-buildpackage (dpkg-dev), dh
# (debhelper), lintian.
PACKAGE_PKGS="dpkg-dev debhelper lintian"

mode=${1:-test}
case $mode in
    build) want=$BUILD_PKGS ;;
    test)  want="$BUILD_PKGS $TEST_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS $DNSSEC_PKGS $WEB_PKGS $INTEROP_PKGS $PACKAGE_PKGS" ;;
    demo)  want="$BUILD_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS" ;;
    all)   want="$BUILD_PKGS $TEST_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS $DNSSEC_PKGS $WEB_PKGS $INTEROP_PKGS $PACKAGE_PKGS msmtp" ;;
    package) want="$BUILD_PKGS $PACKAGE_PKGS" ;;
    bench) want="$BUILD_PKGS $HARNESS_PKGS $MTA_RUNTIME_PKGS $DNSSEC_PKGS msmtp time" ;;
    *) echo "usage: $0 [build|test|demo|bench|package|all]" >&2; exit 2 ;;
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
    test|demo|bench|all)
        MTA_QUIET=1 "$HERE/harness/mta.sh" fetch
        DNSSEC_QUIET=1 bash "$HERE/harness/dnssec.sh" fetch ;;
esac
case $mode in
    test|all) WEB_QUIET=1 bash "$HERE/harness/web.sh" fetch
        NSMTA_QUIET=1 bash "$HERE/harness/exim.sh" fetch
        NSMTA_QUIET=1 bash "$HERE/harness/opensmtpd.sh" fetch ;;
esac
