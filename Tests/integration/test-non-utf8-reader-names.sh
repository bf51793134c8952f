#!/bin/sh
# Reader names that are not valid UTF-8, on Debian's pcscd 1.9.9 with the virtual card
# IFD handler. Reader 0 has a Latin-1 FRIENDLYNAME (byte 0xE9). Reader 1 has a long
# FRIENDLYNAME that pcscd cuts inside the two-byte UTF-8 "é". The C client
# reader-name-bytes.c lists the readers, connects with the listed bytes and with the
# original bytes, and checks SCardStatus's name and SCardGetStatusChange. It runs once
# with Debian's libpcsclite.so.1 and once with ours, and both must print the same lines.
. "$(dirname "$0")/lib.sh"

reference=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
[ -e "$reference" ] || fail "Debian's library $reference is missing; install it with: apt-get install libpcsclite1"

# Prints the bytes of $1 as upper-case hex pairs separated by spaces.
hex() {
    printf '%s' "$1" | od -An -v -tx1 | tr 'a-f\n' 'A-F ' | tr -s ' ' | sed 's/^ //; s/ $//'
}

latin1=$(printf 'Lecteur \351 Latin1')
# pcscd 1.9.9 keeps the first 121 bytes of a long FRIENDLYNAME and appends " NN 00", 127
# bytes in all (as its listing shows; measured, not read in its source). Byte 121 here is 0xC3, the first byte of "é" (0xC3 0xA9).
padding=$(printf '%120s' '' | tr ' ' x)
write_debian_reader_conf 0 "$latin1"
write_debian_reader_conf 1 "$padding$(printf '\303\251') Lecteur long"

start_debian_pcscd 2
compile_c_client "$ROOT/Tests/integration/clients/reader-name-bytes.c" "$WORK/names-ours"
gcc -Wall -Wextra -Werror -O1 -I"$ROOT/include/PCSC" -o "$WORK/names-debian" \
    "$ROOT/Tests/integration/clients/reader-name-bytes.c" "$reference" -lpthread
ldd "$WORK/names-ours" | grep -q "$BUILD/lib/libpcsclite.so.1" || fail "names-ours does not load $BUILD/lib/libpcsclite.so.1"

# pcscd numbers the readers in the order it reads the configuration directory, which
# the file system decides, so Debian's library lists them first to find the numbers.
PCSCLITE_CSOCK_NAME=$DEBIAN_SOCKET "$WORK/names-debian" >"$WORK/listing.out" 2>&1 \
    || { cat "$WORK/listing.out"; fail "reader-name-bytes with Debian's library exited with $?"; }
if grep -qE "^listed name [01]: $(hex "$latin1 00 00")\$" "$WORK/listing.out"; then
    latin1_name="$latin1 00 00"
    cut_name="$padding$(printf '\303') 01 00"
else
    latin1_name="$latin1 01 00"
    cut_name="$padding$(printf '\303') 00 00"
fi

for library in debian ours; do
    PCSCLITE_CSOCK_NAME=$DEBIAN_SOCKET "$WORK/names-$library" "$latin1_name" "$cut_name" >"$WORK/$library.out" 2>&1 \
        || { cat "$WORK/$library.out"; fail "reader-name-bytes with the $library library exited with $?"; }
done
cat "$WORK/ours.out"

# Fails unless both outputs contain the line $1.
expect() {
    grep -qxF "$1" "$WORK/debian.out" || fail "Debian's library: expected line \"$1\""
    grep -qxF "$1" "$WORK/ours.out" || fail "our library: expected line \"$1\", got: $(grep -F "${1%%:*}:" "$WORK/ours.out" || echo nothing)"
}

expect "list 0: 0x00000000"
for name in "$latin1_name" "$cut_name"; do
    grep -qE "^listed name [01]: $(hex "$name")\$" "$WORK/debian.out" \
        || fail "Debian's library: reader $(hex "$name") not listed with these bytes"
    grep -qE "^listed name [01]: $(hex "$name")\$" "$WORK/ours.out" \
        || fail "our library: reader $(hex "$name") not listed with these bytes"
done
for index in 0 1; do
    for kind in listed original; do
        expect "$kind connect $index: 0x00000000"
        expect "$kind status $index: 0x00000000"
        expect "$kind status name equal $index: yes"
        expect "$kind status change $index: 0x00000000"
    done
done
expect "original status name 0: $(hex "$latin1_name") 00"
expect "original status name 1: $(hex "$cut_name") 00"

diff -u "$WORK/debian.out" "$WORK/ours.out" >"$WORK/outputs.diff" \
    || { cat "$WORK/outputs.diff"; fail "our library prints other results than Debian's library (- Debian, + ours)"; }
pass "non-UTF-8 reader names are listed, connected, watched and reported with their bytes, as by Debian's library"
